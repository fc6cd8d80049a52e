using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Portal.Domain;

namespace Portal.Features.Remediation;

/// <summary>An uploaded file, checked and stored in the import folder, waiting for its import row.</summary>
public sealed record StagedDeviceFile(string Path, string FileName, long Bytes, long Rows, DeviceFileColumns Columns);

/// <summary>
/// Streams an upload to a file in the import folder, checking it on the way without holding it in memory: the size
/// limit (413 as soon as it is passed), valid UTF-8 (a BOM is fine), no 0x00 byte, a header with a hostname column and at
/// most <see cref="DeviceImportOptions.MaxColumns"/> columns (400 as soon as the header has arrived), at least one data
/// row and at most <see cref="DeviceImportOptions.MaxRows"/> (413), no record longer than
/// <see cref="DeviceImportOptions.MaxRecordBytes"/> and no quote left open at the end. Rows are counted as CSV records
/// (a line break inside quotes does not end one), blank lines not at all. A refused upload leaves no file behind.
/// </summary>
public static class DeviceImportFile
{
    private const int ChunkSize = 64 * 1024;

    public static async Task<StagedDeviceFile> StageAsync(Stream body, string folder, string fileName, DeviceImportOptions options, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"upload-{Guid.NewGuid():N}.part");
        try
        {
            var scan = new Scanner(options);
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, ChunkSize, FileOptions.Asynchronous))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize + 4);
                try
                {
                    int read;
                    while ((read = await body.ReadAsync(buffer.AsMemory(scan.Carry, ChunkSize), ct)) > 0)
                    {
                        scan.Take(buffer, read);
                        await file.WriteAsync(buffer.AsMemory(scan.Carry, read), ct);
                        scan.KeepCarry(buffer, read);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            var (rows, columns) = scan.Finish();
            return new StagedDeviceFile(path, fileName, scan.Bytes, rows, columns);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Refused for its size: 413, with the limit.</summary>
    public static DeviceFileRefusedException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "file_too_large", "The file is too large",
            string.Create(CultureInfo.InvariantCulture, $"The upload is larger than {limit:N0} bytes, the limit (Remediation:Import:MaxBytes). Split the file and import the parts one after another."));

    /// <summary>The byte-level checks, chunk by chunk; a UTF-8 sequence cut by a chunk boundary is carried to the next chunk.</summary>
    private sealed class Scanner(DeviceImportOptions options)
    {
        private static readonly SearchValues<byte> Interesting = SearchValues.Create("\"\n\0"u8);
        private readonly char[] _chars = new char[ChunkSize + 4];
        private readonly ArrayBufferWriter<byte> _header = new();
        private long _line = 1;               // physical line of the current position
        private long _recordStartLine = 1;
        private long _recordStart;            // byte offset where the current record starts
        private bool _recordHasContent;       // anything but \r in the current record
        private bool _quoted;
        private bool _headerDone;
        private bool _atStart = true;
        private long _rows;
        private DeviceFileColumns? _columns;

        public int Carry { get; private set; }
        public long Bytes { get; private set; }

        /// <summary>Checks buffer[0 .. Carry + read): the carried bytes of the last chunk and the new ones.</summary>
        public void Take(byte[] buffer, int read)
        {
            var start = Bytes;
            Bytes += read;
            if (Bytes > options.MaxBytes) throw TooLarge(options.MaxBytes);

            var all = buffer.AsSpan(0, Carry + read);
            var status = Utf8.ToUtf16(all, _chars, out var bytesRead, out _, replaceInvalidSequences: false, isFinalBlock: false);
            if (status == System.Buffers.OperationStatus.InvalidData)
            {
                var offset = bytesRead - Carry; // within the new bytes
                throw DeviceFileColumns.Refused("invalid_utf8", string.Create(CultureInfo.InvariantCulture, $"The file is not valid UTF-8 (byte {start + Math.Max(offset, 0) + 1:N0}, line {_line + CountNewlines(buffer.AsSpan(Carry, Math.Max(offset, 0))):N0}). Save it as UTF-8 (\"CSV UTF-8\" in Excel)."));
            }
            _pendingCarry = all.Length - bytesRead; // an incomplete sequence at the end: checked with the next chunk
            Scan(buffer.AsSpan(Carry, read), start);
        }

        private int _pendingCarry;

        /// <summary>Moves the incomplete UTF-8 sequence (at most 3 bytes) to the front for the next chunk.</summary>
        public void KeepCarry(byte[] buffer, int read)
        {
            var end = Carry + read;
            buffer.AsSpan(end - _pendingCarry, _pendingCarry).CopyTo(buffer);
            Carry = _pendingCarry;
        }

        private void Scan(ReadOnlySpan<byte> chunk, long chunkStart)
        {
            var position = 0;
            if (_atStart)
            {
                // A UTF-8 BOM (EF BB BF) is not content; a broken one is refused by the UTF-8 check.
                while (position < chunk.Length && chunkStart + position < 3 && chunk[position] == "\uFEFF"u8[(int)(chunkStart + position)]) position++;
                if (chunkStart + position >= 3 || position < chunk.Length) _atStart = false;
                _recordStart = chunkStart + position;
            }
            while (position < chunk.Length)
            {
                var rest = chunk[position..];
                var next = _quoted ? rest.IndexOfAny((byte)'"', (byte)0) : rest.IndexOfAny(Interesting);
                if (next < 0)
                {
                    // Newlines inside quotes still count as lines for the line numbers people see.
                    if (_quoted) _line += rest.Count((byte)'\n');
                    NoteContent(rest);
                    CheckRecordLength(chunkStart + chunk.Length);
                    return;
                }
                if (_quoted) _line += rest[..next].Count((byte)'\n');
                NoteContent(rest[..next]);
                var at = chunkStart + position + next;
                switch (rest[next])
                {
                    case 0:
                        throw DeviceFileColumns.Refused("nul_byte", string.Create(CultureInfo.InvariantCulture, $"The file contains a 0x00 byte (line {_line:N0}): it is not a text file, or it is UTF-16. Save it as UTF-8."));
                    case (byte)'"':
                        _quoted = !_quoted;
                        _recordHasContent = true;
                        AppendHeader(rest.Slice(next, 1));
                        break;
                    default: // '\n' outside quotes: the record ends, measured before the next one starts (a record ending in a
                        // later chunk than it began in was otherwise never measured whole)
                        CheckRecordLength(at);
                        EndRecord();
                        _line++;
                        _recordStart = at + 1;
                        _recordStartLine = _line;
                        break;
                }
                CheckRecordLength(at);
                position += next + 1;
            }
        }

        private void NoteContent(ReadOnlySpan<byte> bytes)
        {
            if (bytes.IsEmpty) return;
            if (!_recordHasContent && bytes.IndexOfAnyExcept((byte)'\r', (byte)' ', (byte)'\t') >= 0) _recordHasContent = true;
            AppendHeader(bytes);
        }

        private void AppendHeader(ReadOnlySpan<byte> bytes)
        {
            if (!_headerDone) _header.Write(bytes);
        }

        private void CheckRecordLength(long at)
        {
            if (at - _recordStart > options.MaxRecordBytes)
                throw DeviceFileColumns.Refused("record_too_long", string.Create(CultureInfo.InvariantCulture, $"The record starting on line {_recordStartLine:N0} is longer than {options.MaxRecordBytes:N0} bytes{(_quoted ? ": a quote opened there is never closed" : "")}."));
        }

        private void EndRecord()
        {
            if (!_recordHasContent) return; // a blank line
            _recordHasContent = false;
            if (!_headerDone)
            {
                _headerDone = true;
                _columns = DeviceFileColumns.Parse(HeaderText(), options.MaxColumns); // refuses a bad header before the rest arrives
                return;
            }
            if (++_rows > options.MaxRows)
                throw new DeviceFileRefusedException(StatusCodes.Status413PayloadTooLarge, "too_many_rows", "The file has too many rows",
                    string.Create(CultureInfo.InvariantCulture, $"The file has more than {options.MaxRows:N0} device rows (line {_recordStartLine:N0} is one too many), the limit (Remediation:Import:MaxRows). Split it and import the parts one after another."));
        }

        private string HeaderText()
        {
            var text = Encoding.UTF8.GetString(_header.WrittenSpan);
            _header.Clear();
            return text.TrimStart('\uFEFF').TrimEnd('\r', '\n');
        }

        public (long Rows, DeviceFileColumns Columns) Finish()
        {
            if (Carry > 0) throw DeviceFileColumns.Refused("invalid_utf8", string.Create(CultureInfo.InvariantCulture, $"The file is not valid UTF-8: it ends inside a character (line {_line:N0})."));
            if (_quoted) throw DeviceFileColumns.Refused("unclosed_quote", string.Create(CultureInfo.InvariantCulture, $"The quote opened in the record starting on line {_recordStartLine:N0} is never closed."));
            EndRecord(); // the last record may have no line end
            if (!_headerDone) throw DeviceFileColumns.Refused("empty_file", "The file is empty. Send a CSV whose first line names the columns (at least hostname) and one device per line after it.");
            if (_rows == 0) throw DeviceFileColumns.Refused("no_rows", "The file has a header but no device rows.");
            return (_rows, _columns!);
        }

        private static long CountNewlines(ReadOnlySpan<byte> bytes) => bytes.Count((byte)'\n');
    }
}
