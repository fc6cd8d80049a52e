using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Portal.Features.Notifications;

/// <summary>
/// The unsubscribe link in every email: the subscription's id, protected by ASP.NET Core Data Protection's time-limited
/// protector (authenticated encryption, an expiry inside), so it works without signing in and cannot be forged, edited or
/// used after it expires.
/// </summary>
public sealed class UnsubscribeLinks(IDataProtectionProvider dataProtection, IOptions<NotificationOptions> options, TimeProvider clock)
{
    public const string Path = "/notifications/unsubscribe";

    private readonly ITimeLimitedDataProtector _protector = dataProtection.CreateProtector("Portal.Notifications.Unsubscribe.v1").ToTimeLimitedDataProtector();

    public string TokenFor(Guid subscriptionId, DateTimeOffset? expires = null) =>
        _protector.Protect(subscriptionId.ToString("N"), expires ?? clock.GetUtcNow() + options.Value.UnsubscribeLinkLifetime);

    public string LinkFor(Guid subscriptionId) => $"{options.Value.PublicBaseUrl.TrimEnd('/')}{Path}?token={Uri.EscapeDataString(TokenFor(subscriptionId))}";

    /// <summary>The subscription a token names, or null when it was tampered with, expired, or is not a token at all.</summary>
    public Guid? Read(string? token)
    {
        if (string.IsNullOrEmpty(token)) return null;
        try
        {
            return Guid.TryParseExact(_protector.Unprotect(token), "N", out var id) ? id : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
