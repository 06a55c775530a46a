using System.Security.Cryptography;

namespace FrostGuard.Engine.Backups.ConfigArchive;

/// <summary>
/// Writes a sealed archive (<see cref="SealedFile"/>) as the plaintext arrives: a chunk is sealed
/// and written once it is full and more follows, and the last one (possibly empty) when the
/// stream is disposed. Only one chunk of plaintext is held, and it is zeroed after use.
/// </summary>
public sealed class SealingStream : Stream
{
    private readonly Stream _destination;
    private readonly bool _leaveOpen;
    private readonly byte[] _header = new byte[SealedFile.HeaderV2Length];
    private readonly byte[] _plaintext = new byte[SealedFile.ChunkSize];
    private readonly byte[] _ciphertext = new byte[SealedFile.ChunkSize + SealedFile.TagLength];
    private readonly string _backupId;
    private readonly AesGcm _aes;
    private int _buffered;
    private long _chunk;
    private bool _closed;

    public SealingStream(Stream destination, ConfigArchiveKey key, string backupId, bool leaveOpen = false)
    {
        _destination = destination;
        _leaveOpen = leaveOpen;
        _backupId = backupId;
        SealedFile.FillHeaderV2(_header, key);
        var aesKey = key.Derive(_header.AsSpan(13, SealedFile.SaltLength), System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(_header.AsSpan(9)));
        try
        {
            _aes = new AesGcm(aesKey, SealedFile.TagLength);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(aesKey);
        }

        _destination.Write(_header);
    }

    /// <summary>Plaintext bytes taken so far.</summary>
    public long PlaintextBytes { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_closed;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => PlaintextBytes; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        while (buffer.Length > 0)
        {
            if (_buffered == _plaintext.Length)
            {
                SealChunk(last: false); // full, and more follows
            }

            var take = Math.Min(buffer.Length, _plaintext.Length - _buffered);
            buffer[..take].CopyTo(_plaintext.AsSpan(_buffered));
            _buffered += take;
            PlaintextBytes += take;
            buffer = buffer[take..];
        }
    }

    public override void Flush() => _destination.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_closed)
        {
            try
            {
                SealChunk(last: true);
                _destination.Flush();
            }
            finally
            {
                _closed = true;
                CryptographicOperations.ZeroMemory(_plaintext);
                _aes.Dispose();
                if (!_leaveOpen)
                {
                    _destination.Dispose();
                }
            }
        }

        base.Dispose(disposing);
    }

    private void SealChunk(bool last)
    {
        Span<byte> nonce = stackalloc byte[SealedFile.NonceLength];
        SealedFile.ChunkNonce(_header, _chunk, nonce);
        var ciphertext = _ciphertext.AsSpan(0, _buffered);
        var tag = _ciphertext.AsSpan(_buffered, SealedFile.TagLength);
        _aes.Encrypt(nonce, _plaintext.AsSpan(0, _buffered), ciphertext, tag, SealedFile.ChunkAssociatedData(_header, _backupId, last));
        _destination.Write(_ciphertext.AsSpan(0, _buffered + SealedFile.TagLength));
        CryptographicOperations.ZeroMemory(_plaintext.AsSpan(0, _buffered));
        _buffered = 0;
        _chunk++;
    }
}
