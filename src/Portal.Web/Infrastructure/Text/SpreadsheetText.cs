namespace Portal.Infrastructure.Text;

/// <summary>
/// Text for a CSV cell that a spreadsheet will not evaluate (CSV formula injection): a cell starting with =, +, -, @, a tab
/// or a carriage return gets a leading apostrophe, so a hostname such as <c>=HYPERLINK(…)</c> or a note starting with "-"
/// stays text. Quoting of separators, quotes and line breaks is the CSV writer's (Sep with Escape).
/// </summary>
public static class SpreadsheetText
{
    public static string Cell(string? value) =>
        string.IsNullOrEmpty(value) ? "" : value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
}
