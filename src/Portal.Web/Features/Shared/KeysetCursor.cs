using System.Buffers.Text;
using System.Globalization;
using System.Text;
using FluentValidation;
using FluentValidation.Results;

namespace Portal.Features;

/// <summary>
/// Opaque keyset cursors: the sort key of the last row of a page, with a kind prefix so a device cursor is not read as a
/// task cursor, base64url-encoded. A cursor the server did not make is a 400 on the <c>cursor</c> parameter. Shared by the
/// features whose lists page by key (devices and tasks by id or hostname, advisories by time, incidents by severity and time).
/// </summary>
public static class KeysetCursor
{
    public const int MaxLimit = 500;

    public static string Encode(string kind, string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(kind + ":" + key));

    public static string? Decode(string kind, string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            if (text.StartsWith(kind + ":", StringComparison.Ordinal)) return text[(kind.Length + 1)..];
        }
        catch (FormatException)
        {
        }
        throw Invalid();
    }

    private static ValidationException Invalid() =>
        new([new ValidationFailure("cursor", "The cursor is not one this list gave out; send the 'next' value of the previous page, or none for the first page.")]);

    /// <summary>A time-ordered list's cursor: the last row's time (UTC ticks) and id, the tie-breaker.</summary>
    public static string EncodeAt(string kind, DateTimeOffset at, Guid id) => Encode(kind, $"{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{id}");

    /// <summary>The time and id of a cursor <see cref="EncodeAt"/> made, or null for none; anything else is a 400 on <c>cursor</c>.</summary>
    public static (DateTimeOffset At, Guid Id)? DecodeAt(string kind, string? cursor) =>
        Decode(kind, cursor) is { } key ? ParseAt(key) : null;

    /// <summary>A list ordered by a rank first (the triage queue: severity), then time and id: the cursor carries all three.</summary>
    public static string EncodeRankAt(string kind, int rank, DateTimeOffset at, Guid id) =>
        Encode(kind, $"{rank.ToString(CultureInfo.InvariantCulture)}|{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{id}");

    /// <summary>The rank, time and id of a cursor <see cref="EncodeRankAt"/> made, or null for none; anything else is a 400 on <c>cursor</c>.</summary>
    public static (int Rank, DateTimeOffset At, Guid Id)? DecodeRankAt(string kind, string? cursor)
    {
        if (Decode(kind, cursor) is not { } key) return null;
        var bar = key.IndexOf('|');
        if (bar > 0 && int.TryParse(key.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var rank))
        {
            var (at, id) = ParseAt(key[(bar + 1)..]);
            return (rank, at, id);
        }
        throw Invalid();
    }

    private static (DateTimeOffset At, Guid Id) ParseAt(string key)
    {
        var parts = key.Split('|');
        if (parts is [var ticksText, var idText] && long.TryParse(ticksText, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks && Guid.TryParse(idText, out var id))
            return (new DateTimeOffset(ticks, TimeSpan.Zero), id);
        throw Invalid();
    }

    public static bool IsValid(string kind, string? cursor)
    {
        try
        {
            Decode(kind, cursor);
            return true;
        }
        catch (ValidationException)
        {
            return false;
        }
    }
}
