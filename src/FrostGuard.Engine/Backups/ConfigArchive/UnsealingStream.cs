using System.Security.Cryptography;

namespace FrostGuard.Engine.Backups.ConfigArchive;

/// <summary>
/// Reads the plaintext of a sealed archive (<see cref="SealedFile"/>) chunk by chunk. It is
/// opened only after a first pass has authenticated every chunk, the last one marked as last,
/// so whoever reads it never sees a byte of an archive that was changed, cut or lengthened.
/// </summary>
internal sealed class UnsealingStream : Stream
{
    private readonly Stream _source;
    private readonly byte[] _header;
    private readonly string _backupId;
    private readonly string _path;
    private readonly ConfigArchiveKey _key;
    private readonly AesGcm _aes;
    private readonly int _chunkSize;
    private readonly long _chunks;
    private readonly byte[] _ciphertext;
    private readonly byte[] _plaintext;
    private long _chunk;
    private int _available;
    private int _offset;

    private UnsealingStream(Stream source, byte[] header, AesGcm aes, ConfigArchiveKey key, string backupId, string path, int chunkSize, long chunks)
    {
        _source = source;
        _header = header;
        _aes = aes;
        _key = key;
        _backupId = backupId;
        _path = path;
        _chunkSize = chunkSize;
        _chunks = chunks;
        _ciphertext = new byte[chunkSize + SealedFile.TagLength];
        _plaintext = new byte[chunkSize];
    }

    public static Stream Open(Stream source, ConfigArchiveKey key, string backupId, string path)
    {
        var header = new byte[SealedFile.HeaderV2Length];
        if (source.Length < SealedFile.HeaderV2Length + SealedFile.TagLength)
        {
            throw SealedFile.NotAnArchive(path);
        }

        source.ReadExactly(header);
        var chunkSize = SealedFile.ChunkSizeOf(header);
        if (chunkSize is < 4096 or > 16 << 20)
        {
            throw SealedFile.NotAnArchive(path);
        }

        var body = source.Length - SealedFile.HeaderV2Length;
        var chunks = Math.Max(1, (body + chunkSize + SealedFile.TagLength - 1) / (chunkSize + SealedFile.TagLength));
        var aesKey = SealedFile.DeriveKey(header, key, path);
        AesGcm aes;
        try
        {
            aes = new AesGcm(aesKey, SealedFile.TagLength);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(aesKey);
        }

        var stream = new UnsealingStream(source, header, aes, key, backupId, path, chunkSize, chunks);
        try
        {
            stream.AuthenticateAll();
            source.Position = SealedFile.HeaderV2Length;
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_offset == _available)
        {
            if (_chunk == _chunks)
            {
                return 0;
            }

            _available = OpenChunk(_plaintext);
            _offset = 0;
            if (_available == 0)
            {
                return 0;
            }
        }

        var take = Math.Min(buffer.Length, _available - _offset);
        _plaintext.AsSpan(_offset, take).CopyTo(buffer);
        _offset += take;
        return take;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CryptographicOperations.ZeroMemory(_plaintext);
            _aes.Dispose();
        }

        base.Dispose(disposing);
    }

    private void AuthenticateAll()
    {
        var scratch = new byte[_chunkSize];
        try
        {
            while (_chunk < _chunks)
            {
                OpenChunk(scratch);
            }

            if (_source.Position != _source.Length)
            {
                throw SealedFile.DoesNotOpen(_path, _key);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scratch);
            _chunk = 0;
        }
    }

    /// <summary>Reads, authenticates and decrypts the next chunk into <paramref name="plaintext"/>; returns its length.</summary>
    private int OpenChunk(byte[] plaintext)
    {
        var last = _chunk == _chunks - 1;
        var read = _source.ReadAtLeast(_ciphertext, _ciphertext.Length, throwOnEndOfStream: false);
        if (read < SealedFile.TagLength || (!last && read != _ciphertext.Length))
        {
            throw SealedFile.DoesNotOpen(_path, _key);
        }

        var length = read - SealedFile.TagLength;
        Span<byte> nonce = stackalloc byte[SealedFile.NonceLength];
        SealedFile.ChunkNonce(_header, _chunk, nonce);
        try
        {
            _aes.Decrypt(nonce, _ciphertext.AsSpan(0, length), _ciphertext.AsSpan(length, SealedFile.TagLength), plaintext.AsSpan(0, length),
                SealedFile.ChunkAssociatedData(_header, _backupId, last));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw SealedFile.DoesNotOpen(_path, _key, e);
        }

        _chunk++;
        return length;
    }
}
