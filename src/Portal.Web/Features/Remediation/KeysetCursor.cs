using System.Buffers.Text;
using System.Text;
using FluentValidation;
using FluentValidation.Results;

namespace Portal.Features.Remediation;

/// <summary>
/// Opaque keyset cursors: the sort key of the last row of a page, with a kind prefix so a device cursor is not read as a
/// task cursor, base64url-encoded. A cursor the server did not make is a 400 on the <c>cursor</c> parameter.
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
        throw new ValidationException([new ValidationFailure("cursor", "The cursor is not one this list gave out; send the 'next' value of the previous page, or none for the first page.")]);
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
