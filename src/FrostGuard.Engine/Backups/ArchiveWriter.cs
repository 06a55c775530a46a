using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Os;
using ZstdSharp;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Where pg_dump's output goes: through zstd when FrostGuard compresses, then through SHA-256,
/// into the partial file. Nothing is held in memory beyond the compressor's window.
/// </summary>
/// <remarks>
/// Writes are synchronous on purpose: the exec stream's pump runs on a thread of its own, and
/// an asynchronous file write on Linux is a synchronous one handed to the thread pool, whose
/// hand-offs cost CPU that the 2-core servers this runs on do not have to spare.
/// </remarks>
public sealed class ArchiveWriter : IAsyncDisposable
{
    public const int ZstdLevel = 1;

    private readonly FileStream _file;
    private readonly HashingStream _hashing;
    private readonly CompressionStream? _compressor;
    private bool _completed;

    public ArchiveWriter(string path, FrostBackupCompression compression)
    {
        Path = path;
        _file = PrivateFiles.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 20);
        _hashing = new HashingStream(_file);
        if (compression == FrostBackupCompression.Zstd)
        {
            _compressor = new CompressionStream(_hashing, ZstdLevel, 1 << 20, leaveOpen: true);
            _compressor.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_nbWorkers, Math.Max(1, Environment.ProcessorCount));
        }
    }

    public string Path { get; }

    /// <summary>Bytes received from pg_dump.</summary>
    public long InputBytes { get; private set; }

    /// <summary>Bytes in the file so far.</summary>
    public long OutputBytes => _hashing.BytesWritten;

    public ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_compressor is not null)
        {
            _compressor.Write(chunk.Span);
        }
        else
        {
            _hashing.Write(chunk.Span);
        }

        InputBytes += chunk.Length;
        return ValueTask.CompletedTask;
    }

    /// <summary>Ends the compressed frame, flushes to the disk (fsync) and returns the file's size and SHA-256.</summary>
    public async Task<(long Size, string Sha256)> CompleteAsync()
    {
        if (_compressor is not null)
        {
            await _compressor.DisposeAsync().ConfigureAwait(false);
        }

        await _hashing.FlushAsync().ConfigureAwait(false);
        _file.Flush(flushToDisk: true);
        _completed = true;
        return (_hashing.BytesWritten, _hashing.HexDigest());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_completed && _compressor is not null)
        {
            try
            {
                _compressor.Dispose();
            }
            catch (IOException)
            {
                // A failed run: the file is about to be deleted, and the failure that ended the
                // run (not this one, which follows from it) is what the caller reports.
            }
        }

        await _hashing.DisposeAsync().ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
    }
}
