using System.Globalization;
using System.Text;
using Portal.Domain;

namespace Portal.Features.Remediation;

/// <summary>The columns a device file may have, found in its header (case-insensitive; unknown columns are ignored).</summary>
public sealed record DeviceFileColumns(char Separator, int Count, int Hostname, int ExternalId, int OperatingSystem, int Site, int Tags)
{
    public static readonly string[] ExternalIdNames = ["external_id", "externalid", "id"];

    /// <summary>Reads a header line (BOM and line end already removed), or refuses it with a code.</summary>
    public static DeviceFileColumns Parse(string header, int maxColumns)
    {
        var separator = DetectSeparator(header);
        var names = SplitHeader(header, separator);
        if (names.Count > maxColumns)
            throw Refused("too_many_columns", string.Create(CultureInfo.InvariantCulture, $"The header has {names.Count:N0} columns; the limit is {maxColumns}. Keep hostname, external_id, os, site and tags."));
        int Find(params string[] candidates)
        {
            var found = -1;
            for (var i = 0; i < names.Count; i++)
            {
                if (!candidates.Contains(names[i], StringComparer.OrdinalIgnoreCase)) continue;
                if (found >= 0) throw Refused("duplicate_column", $"The header names the column '{names[i]}' twice (columns {found + 1} and {i + 1}).");
                found = i;
            }
            return found;
        }
        var hostname = Find("hostname");
        if (hostname < 0)
            throw Refused("missing_hostname_column", $"The header has no 'hostname' column. Found: {string.Join(", ", names.Take(10))}{(names.Count > 10 ? ", ..." : "")}. Optional columns: external_id (or id), os, site, tags; separated by ',' or ';'.");
        return new DeviceFileColumns(separator, names.Count, hostname, Find(ExternalIdNames), Find("os"), Find("site"), Find("tags"));
    }

    /// <summary>',' or ';', whichever the header uses more outside quotes (',' when it uses neither: a one-column file).</summary>
    public static char DetectSeparator(string header)
    {
        int commas = 0, semicolons = 0;
        var quoted = false;
        foreach (var c in header)
        {
            if (c == '"') quoted = !quoted;
            else if (!quoted && c == ',') commas++;
            else if (!quoted && c == ';') semicolons++;
        }
        return semicolons > commas ? ';' : ',';
    }

    private static List<string> SplitHeader(string header, char separator)
    {
        var names = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < header.Length; i++)
        {
            var c = header[i];
            if (c == '"')
            {
                if (quoted && i + 1 < header.Length && header[i + 1] == '"') { current.Append('"'); i++; }
                else quoted = !quoted;
            }
            else if (c == separator && !quoted)
            {
                names.Add(current.ToString().Trim());
                current.Clear();
            }
            else current.Append(c);
        }
        names.Add(current.ToString().Trim());
        return names;
    }

    internal static DeviceFileRefusedException Refused(string code, string detail) =>
        new(StatusCodes.Status400BadRequest, code, "The file cannot be imported", detail);
}
