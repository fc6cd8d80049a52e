using System.Security.Claims;
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

    public bool TryGet(string token, out ClaimsPrincipal principal) => cache.TryGetValue(Key(token), out principal!);

    public void Remember(string token, ClaimsPrincipal principal, DateTime validToUtc)
    {
        var until = new DateTimeOffset(DateTime.SpecifyKind(validToUtc, DateTimeKind.Utc));
        var latest = clock.GetUtcNow() + MaxLifetime;
        using var entry = cache.CreateEntry(Key(token));
        entry.Value = principal;
        entry.AbsoluteExpiration = until < latest ? until : latest;
    }

    private static TokenKey Key(string token) => new(token);

    /// <summary>
    /// A token's cache key. Equal only to the same full text; its hash reads only the token's tail (the signature, random
    /// by construction) instead of the whole kilobyte-long string, which was a visible share of every cached read.
    /// </summary>
    private sealed record TokenKey(string Token)
    {
        private const int HashedTail = 64;

        public override int GetHashCode() => string.GetHashCode(Token.AsSpan(Math.Max(0, Token.Length - HashedTail)), StringComparison.Ordinal);
    }

    /// <summary>Wraps the bearer events (Identity.Web's included): a remembered token short-cuts validation, a newly validated one is remembered.</summary>
    public static void Attach(JwtBearerOptions options)
    {
        options.Events ??= new JwtBearerEvents();
        var received = options.Events.OnMessageReceived;
        var validated = options.Events.OnTokenValidated;
        options.Events.OnMessageReceived = async context =>
        {
            await received(context);
            var token = context.Token ?? BearerToken(context.Request);
            if (token is null || context.Result is not null) return;
            var tokens = context.HttpContext.RequestServices.GetRequiredService<ValidatedTokenCache>();
            if (tokens.TryGet(token, out var principal))
            {
                context.Principal = principal;
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

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}
