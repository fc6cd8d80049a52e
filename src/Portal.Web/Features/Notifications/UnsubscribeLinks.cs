using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Portal.Features.Notifications;

/// <summary>What an unsubscribe token turned out to be.</summary>
public enum UnsubscribeTokenState
{
    /// <summary>Genuine and in time: <see cref="UnsubscribeToken.SubscriptionId"/> may be removed.</summary>
    Valid,

    /// <summary>Genuine, but its time is up (by Portal's clock).</summary>
    Expired,

    /// <summary>Missing, tampered with, not a token at all, or from before the current format (a link from an older email).</summary>
    Invalid,
}

/// <summary>The outcome of reading a token; the subscription and the expiry are known for a genuine one.</summary>
public readonly record struct UnsubscribeToken(UnsubscribeTokenState State, Guid SubscriptionId = default, DateTimeOffset? ExpiresAt = null);

/// <summary>
/// The unsubscribe link in every email: the subscription's id and the link's expiry, protected together by ASP.NET Core Data
/// Protection (authenticated encryption), so the link works without signing in and can be neither forged nor edited — its expiry
/// included. The expiry is checked here against the injected <see cref="TimeProvider"/> (Portal's clock, which the tests move),
/// not by Data Protection's time-limited protector against the system clock. Tokens of that earlier format (purpose ".v1") do not
/// unprotect under this purpose and read as <see cref="UnsubscribeTokenState.Invalid"/>.
/// </summary>
public sealed class UnsubscribeLinks(IDataProtectionProvider dataProtection, IOptions<NotificationOptions> options, TimeProvider clock)
{
    public const string Path = "/notifications/unsubscribe";

    private const string Version = "2";
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Portal.Notifications.Unsubscribe.v2");

    /// <summary>A token for the subscription, valid until <paramref name="expires"/> (default: now + the configured lifetime).</summary>
    public string TokenFor(Guid subscriptionId, DateTimeOffset? expires = null)
    {
        var until = expires ?? clock.GetUtcNow() + options.Value.UnsubscribeLinkLifetime;
        return _protector.Protect(string.Join('|', Version, subscriptionId.ToString("N"), until.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
    }

    public string LinkFor(Guid subscriptionId) => $"{options.Value.PublicBaseUrl.TrimEnd('/')}{Path}?token={Uri.EscapeDataString(TokenFor(subscriptionId))}";

    /// <summary>What a token is: valid (with the subscription it names), expired by Portal's clock, or invalid.</summary>
    public UnsubscribeToken Read(string? token)
    {
        if (string.IsNullOrEmpty(token)) return new(UnsubscribeTokenState.Invalid);
        string payload;
        try
        {
            payload = _protector.Unprotect(token);
        }
        catch (CryptographicException)
        {
            return new(UnsubscribeTokenState.Invalid); // edited, forged, another purpose (an older link), or an unknown key
        }
        catch (FormatException)
        {
            return new(UnsubscribeTokenState.Invalid); // not base64url at all
        }
        var parts = payload.Split('|');
        if (parts.Length != 3 || parts[0] != Version || !Guid.TryParseExact(parts[1], "N", out var id)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var unixMs))
            return new(UnsubscribeTokenState.Invalid);
        var expires = DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
        return clock.GetUtcNow() < expires ? new(UnsubscribeTokenState.Valid, id, expires) : new(UnsubscribeTokenState.Expired, id, expires);
    }
}
