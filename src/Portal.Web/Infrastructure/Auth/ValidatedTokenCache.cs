using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Remembers bearer tokens that passed full validation, until they expire (at most <see cref="MaxLifetime"/>):
/// during an outage the same clients poll with the same token many times a second, and checking its RSA
/// signature each time was the largest cost of the status read path. Only a token that validated is
/// remembered, under its exact text, so a changed or foreign token is always validated in full.
/// </summary>
public sealed class ValidatedTokenCache(IMemoryCache cache, TimeProvider clock)
{
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    public bool TryGet(string token, out ClaimsPrincipal principal) => TryGet(new TokenKey(token, 0, token.Length), out principal);

    private bool TryGet(TokenKey key, out ClaimsPrincipal principal) => cache.TryGetValue(key, out principal!);

    public void Remember(string token, ClaimsPrincipal principal, DateTime validToUtc)
    {
        var until = new DateTimeOffset(DateTime.SpecifyKind(validToUtc, DateTimeKind.Utc));
        var latest = clock.GetUtcNow() + MaxLifetime;
        using var entry = cache.CreateEntry(new TokenKey(token, 0, token.Length));
        entry.Value = principal;
        entry.AbsoluteExpiration = until < latest ? until : latest;
    }

    /// <summary>
    /// A token's cache key: the token's characters inside a longer string (the Authorization header as Kestrel holds it), so a
    /// lookup copies nothing — cutting the kilobyte-long token out of the header was the largest allocation of a cached status
    /// read. Equal only to the same full text; its hash reads only the token's tail (the signature, random by construction).
    /// </summary>
    private sealed class TokenKey(string text, int start, int length) : IEquatable<TokenKey>
    {
        private const int HashedTail = 64;

        private ReadOnlySpan<char> Token => text.AsSpan(start, length);

        public bool Equals(TokenKey? other) => other is not null && Token.SequenceEqual(other.Token);

        public override bool Equals(object? obj) => Equals(obj as TokenKey);

        public override int GetHashCode() => string.GetHashCode(Token[Math.Max(0, length - HashedTail)..], StringComparison.Ordinal);
    }

    private static readonly IDictionary<string, string?> NoItems = System.Collections.ObjectModel.ReadOnlyDictionary<string, string?>.Empty;
    private static readonly IDictionary<string, object?> NoParameters = System.Collections.ObjectModel.ReadOnlyDictionary<string, object?>.Empty;

    /// <summary>Wraps the bearer events (Identity.Web's included): a remembered token short-cuts validation, a newly validated one is remembered.</summary>
    public static void Attach(JwtBearerOptions options)
    {
        options.Events ??= new JwtBearerEvents();
        var received = options.Events.OnMessageReceived;
        var validated = options.Events.OnTokenValidated;
        options.Events.OnMessageReceived = async context =>
        {
            await received(context);
            var key = context.Token is { } token ? new TokenKey(token, 0, token.Length) : BearerToken(context.Request);
            if (key is null || context.Result is not null) return;
            var tokens = context.HttpContext.RequestServices.GetRequiredService<ValidatedTokenCache>();
            if (tokens.TryGet(key, out var principal))
            {
                context.Principal = principal;
                // Success() would otherwise build properties with a new dictionary on every request; a bearer request keeps
                // nothing in them, and read-only items make any code that tried fail loudly instead of sharing state.
                context.Properties = new AuthenticationProperties(NoItems, NoParameters);
                context.Success();
            }
        };
        options.Events.OnTokenValidated = async context =>
        {
            await validated(context);
            if (context.Result is { Failure: not null } || context.Principal is null) return;
            if (context.SecurityToken is JsonWebToken jwt)
            {
                context.HttpContext.RequestServices.GetRequiredService<ValidatedTokenCache>().Remember(jwt.EncodedToken, context.Principal, jwt.ValidTo);
            }
        };
    }

    /// <summary>The token of an <c>Authorization: Bearer …</c> header, trimmed, as a key into the header's own string.</summary>
    private static TokenKey? BearerToken(HttpRequest request)
    {
        const string scheme = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        var start = scheme.Length;
        var end = header.Length;
        while (start < end && char.IsWhiteSpace(header[start])) start++;
        while (end > start && char.IsWhiteSpace(header[end - 1])) end--;
        return new TokenKey(header, start, end - start);
    }
}
