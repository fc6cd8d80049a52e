using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Memory;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// The sign-in cookie's ticket, decrypted once and remembered under the cookie's exact text for a few minutes:
/// a customer reloading the status page sends the same cookie every time, and decrypting it (Data Protection,
/// AES + HMAC) was a large part of serving a cached page. The cookie handler still checks the ticket's
/// expiry on every request; a changed or forged cookie is never in the cache and is decrypted (and refused) in full.
/// </summary>
public sealed class RememberedCookieTickets(ISecureDataFormat<AuthenticationTicket> inner, IMemoryCache cache) : ISecureDataFormat<AuthenticationTicket>
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (string.IsNullOrEmpty(protectedText)) return null;
        var key = (nameof(RememberedCookieTickets), protectedText, purpose);
        if (cache.TryGetValue(key, out AuthenticationTicket? remembered)) return remembered;
        var ticket = inner.Unprotect(protectedText, purpose);
        if (ticket is not null) cache.Set(key, ticket, Lifetime);
        return ticket;
    }

    /// <summary>Wraps the cookie scheme's ticket format (after the framework has set it up).</summary>
    public static void Attach(IServiceCollection services) =>
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .PostConfigure<IMemoryCache>((o, cache) =>
            {
                if (o.TicketDataFormat is not RememberedCookieTickets) o.TicketDataFormat = new RememberedCookieTickets(o.TicketDataFormat, cache);
            });
}
