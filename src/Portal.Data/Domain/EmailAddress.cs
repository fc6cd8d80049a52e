using System.Globalization;
using System.Text;

namespace Portal.Domain;

/// <summary>
/// The one way Portal turns what someone typed (or what a token says) into an email address it compares: trimmed, Unicode NFC,
/// lower-cased; refused when it holds anything that could make two different-looking addresses equal or one address look like
/// another — control and format characters (zero-width spaces, bidi overrides), compatibility forms (a fullwidth @), spaces —
/// or is not a plausible addr-spec (one @, a dot-atom local part, a domain of valid labels with a dot). An invitation binds
/// when the token's email equals the invited one exactly, so both sides go through here.
/// </summary>
public static class EmailAddress
{
    public const int MaxLength = 254;
    public const int LocalMaxLength = 64;

    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>The normalised address, or throws <see cref="InvalidValueException"/> (<c>invalid_email</c>, 400) saying why.</summary>
    public static string Normalise(string? raw) =>
        TryNormalise(raw, out var email, out var problem) ? email : throw new InvalidValueException("invalid_email", problem);

    public static bool TryNormalise(string? raw, out string email, out string problem)
    {
        email = "";
        problem = "";
        if (string.IsNullOrWhiteSpace(raw)) return Fail("An email address is required.", out problem);
        var text = raw.Trim();
        if (text.Length > MaxLength * 2) return Fail($"An email address is at most {MaxLength} characters.", out problem);

        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control)
                return Fail("The email address contains a control character.", out problem);
            if (category is UnicodeCategory.Format)
                return Fail("The email address contains an invisible formatting character (such as a zero-width space or a text-direction override).", out problem);
            if (category is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                return Fail("The email address contains a space.", out problem);
            if (category is UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate)
                return Fail("The email address contains a character that is not a letter, digit or punctuation mark.", out problem);
        }
        if (text.Contains('\uFFFD')) return Fail("The email address contains a replacement character (it was garbled on the way).", out problem);

        string normalised;
        try
        {
            normalised = text.Normalize(NormalizationForm.FormC).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return Fail("The email address is not valid Unicode.", out problem);
        }
        // A fullwidth ＠ or ａ, a ligature, a superscript: letters that stand in for others. NFKC would silently fold them; refused instead.
        if (!normalised.IsNormalized(NormalizationForm.FormKC))
            return Fail("The email address contains a look-alike character (such as a fullwidth letter or ＠); type it with ordinary characters.", out problem);

        var at = normalised.IndexOf('@');
        if (at < 0 || at != normalised.LastIndexOf('@')) return Fail("An email address has exactly one @, such as ana@example.com.", out problem);
        var local = normalised[..at];
        var domain = normalised[(at + 1)..];
        if (normalised.Length > MaxLength) return Fail($"An email address is at most {MaxLength} characters.", out problem);
        if (!IsDotAtom(local)) return Fail("The part before the @ must be letters, digits or . _ + - (no leading, trailing or double dot), at most 64 characters.", out problem);
        if (!IsDomain(domain)) return Fail("The part after the @ must be a domain name such as example.com.", out problem);

        email = normalised;
        return true;
    }

    private static bool Fail(string message, out string problem)
    {
        problem = message;
        return false;
    }

    private const string AtomSymbols = "!#$%&'*+/=?^_`{|}~-";

    private static bool IsDotAtom(string local)
    {
        if (local.Length is 0 or > LocalMaxLength || local[0] == '.' || local[^1] == '.' || local.Contains("..")) return false;
        foreach (var rune in local.EnumerateRunes())
        {
            if (rune.IsAscii)
            {
                var c = (char)rune.Value;
                if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || AtomSymbols.Contains(c))) return false;
            }
            else if (!IsLetterMarkOrDigit(rune))
            {
                return false; // internationalised local parts (RFC 6531) hold letters, marks and digits, not foreign punctuation
            }
        }
        return true;
    }

    private static bool IsDomain(string domain)
    {
        if (domain.Length is 0 or > 253 || domain[0] == '.' || domain[^1] == '.' || !domain.Contains('.')) return false;
        string ascii;
        try
        {
            ascii = Idn.GetAscii(domain); // every label valid (letters, digits, hyphens; IDNA2008 for the others), at most 63 characters
        }
        catch (ArgumentException)
        {
            return false;
        }
        var labels = ascii.Split('.');
        return labels.All(l => l.Length is > 0 and <= 63 && l[0] != '-' && l[^1] != '-') && !labels[^1].All(char.IsAsciiDigit);
    }

    private static bool IsLetterMarkOrDigit(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
        or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark
        or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.DecimalDigitNumber;
}
