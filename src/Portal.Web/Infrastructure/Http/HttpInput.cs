using FluentValidation;
using FluentValidation.Results;

namespace Portal.Infrastructure.Http;

/// <summary>Reading values from query strings and headers with the same strictness as JSON bodies; a bad value is a 400 naming the field.</summary>
public static partial class HttpInput
{
    /// <summary>Enum values by name only (case-insensitive), as in JSON bodies: "3" is refused, not read as the fourth member.</summary>
    public static TEnum[]? EnumNames<TEnum>(string[]? values, string parameter) where TEnum : struct, Enum
    {
        if (values is null || values.Length == 0) return null;
        var parsed = new List<TEnum>();
        var failures = new List<ValidationFailure>();
        foreach (var value in values)
        {
            var name = value.Trim();
            var isName = name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(char.IsAsciiLetterOrDigit);
            if (isName && Enum.TryParse<TEnum>(name, ignoreCase: true, out var member) && Enum.IsDefined(member)) parsed.Add(member);
            else failures.Add(new ValidationFailure(parameter, $"'{value}' is not a {parameter}; use one of: {string.Join(", ", Enum.GetNames<TEnum>())}."));
        }
        if (failures.Count > 0) throw new ValidationException(failures);
        return [.. parsed];
    }

    /// <summary>
    /// Accepts "5", W/"5" or 5; "*" or nothing means "whatever the current version is". Nothing else: not a quote left open ("5),
    /// a sign (-1) or spaces inside the quotes, which a number parser would have read as a version all the same.
    /// </summary>
    public static long? IfMatchVersion(string? ifMatch)
    {
        if (string.IsNullOrWhiteSpace(ifMatch) || ifMatch.Trim() == "*") return null;
        if (ETagVersion().Match(ifMatch.Trim()) is { Success: true } match && long.TryParse(match.Groups["version"].ValueSpan, System.Globalization.NumberStyles.None, null, out var version))
            return version;
        throw new ValidationException([new ValidationFailure("If-Match", "If-Match must be the ETag you received, such as \"7\".")]);
    }

    [System.Text.RegularExpressions.GeneratedRegex("""^(W/)?(?<quote>"?)(?<version>[0-9]{1,18})\k<quote>$""")]
    private static partial System.Text.RegularExpressions.Regex ETagVersion();
}
