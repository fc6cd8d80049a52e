using System.Globalization;
using System.Text;

namespace Portal.Features.Remediation;

/// <summary>The import and its error lines, read as they are written out (a report of a million lines is never held in memory).</summary>
public sealed record DeviceImportErrorReport(DeviceImportView Import, IAsyncEnumerable<DeviceImportErrorLine> Lines)
{
    public string DownloadName => $"{Path.GetFileNameWithoutExtension(Import.FileName)}-errors.csv";

    /// <summary>
    /// line,hostname,reason — UTF-8 with a BOM (so spreadsheet programs read it as UTF-8), every cell neutralised against
    /// formula injection (a cell starting with = + - @ tab or CR gets a leading apostrophe) and quoted where needed.
    /// </summary>
    public async Task WriteCsvAsync(Stream output, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 64 * 1024, leaveOpen: true);
        await writer.WriteAsync("line,hostname,reason\r\n");
        await foreach (var line in Lines.WithCancellation(ct))
        {
            await writer.WriteAsync(line.Line.ToString(CultureInfo.InvariantCulture));
            await writer.WriteAsync(',');
            await writer.WriteAsync(CsvCell(line.Hostname));
            await writer.WriteAsync(',');
            await writer.WriteAsync(CsvCell(line.Reason));
            await writer.WriteAsync("\r\n");
        }
        await writer.FlushAsync(ct);
    }

    /// <summary>One cell, safe to open in a spreadsheet: a leading formula character is neutralised, then the cell is quoted if it must be.</summary>
    public static string CsvCell(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
