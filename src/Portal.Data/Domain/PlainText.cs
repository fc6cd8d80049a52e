namespace Portal.Domain;

/// <summary>
/// What free text that people type may hold: printable characters, and in text of several lines the tab, line feed and
/// carriage return too. Refused: the other control characters (U+0000–U+001F, U+007F–U+009F), the non-characters U+FFFE and
/// U+FFFF, and half of a surrogate pair. Nobody types them on purpose (a word processor's manual line break, U+000B, arrives
/// by pasting), no screen shows them, and XML cannot carry them at all: one in an advisory's text made its provider's whole
/// Atom feed answer 500. Refused too: the bidi overrides U+202D and U+202E, which show what follows reversed ("\u202Egnp.exe" reads
/// "exe.png"), the spoofing trick; right-to-left text needs none of them. And text must show something: a title of a zero-width
/// space alone looks blank (<see cref="HasVisibleCharacter"/>).
/// </summary>
public static class PlainText
{
    public static bool IsPlain(string? text, bool multiline = true)
    {
        if (text is null) return true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
                return false;
            }
            if (char.IsLowSurrogate(c) || c is '\uFFFE' or '\uFFFF' or '\u202D' or '\u202E') return false;
            if (char.IsControl(c) && !(multiline && c is '\t' or '\n' or '\r')) return false;
        }
        return true;
    }

    /// <summary>
    /// The text, or as much of it as fits in <paramref name="maxLength"/> with "…" at the end. Never half of a surrogate pair: an emoji
    /// cut in two is text PostgreSQL refuses to store (a long contract proposal with one near the cut answered 500) and SQLite
    /// stores as garbage.
    /// </summary>
    public static string Shorten(string text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        if (text.Length <= maxLength) return text;
        var keep = maxLength - 1;
        if (char.IsHighSurrogate(text[keep - 1])) keep--;
        return string.Concat(text.AsSpan(0, keep), "…");
    }

    /// <summary>
    /// Text that is not typed into Portal but arrives with something (an uploaded file's name), made plain by leaving out what
    /// <see cref="IsPlain"/> refuses (single line). Refusing it would refuse the file; keeping it made the import's closing
    /// timeline line fail, and the import stayed Running, retried every minute, for ever.
    /// </summary>
    public static string WithoutControlCharacters(string text)
    {
        if (IsPlain(text, multiline: false)) return text;
        var plain = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { plain.Append(c).Append(text[++i]); continue; }
            if (char.IsSurrogate(c) || char.IsControl(c) || c is '\uFFFE' or '\uFFFF') continue;
            plain.Append(c);
        }
        return plain.ToString();
    }

    /// <summary>Whether the text shows anything: a character that is neither white space nor invisible formatting (zero-width, bidi marks).</summary>
    public static bool HasVisibleCharacter(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c) && char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.Format) return true;
        }
        return false;
    }

    /// <summary>The words for text that shows nothing.</summary>
    public static string Invisible(string what) => $"The {what} shows nothing: it holds only spaces or invisible characters.";

    /// <summary>The refusal's words, the same at the edge (the validators) and in the entities.</summary>
    public static string Refusal(string what) =>
        $"The {what} contains a control character (for example a line break pasted from a word processor, or a direction override); type it again without it.";

    /// <summary>Trimmed, not empty, at most <paramref name="max"/> characters, and plain (<see cref="IsPlain"/>).</summary>
    public static string Require(string? text, int max, string what, bool multiline = true)
    {
        var clean = text?.Trim() ?? "";
        if (clean.Length == 0) throw new InvalidValueException("empty_text", $"The {what} cannot be empty.");
        if (!HasVisibleCharacter(clean)) throw new InvalidValueException("empty_text", Invisible(what));
        if (clean.Length > max) throw new InvalidValueException("text_too_long", $"The {what} is {clean.Length} characters; the limit is {max}.");
        if (!IsPlain(clean, multiline)) throw new InvalidValueException("invalid_text", Refusal(what));
        return clean;
    }
}
