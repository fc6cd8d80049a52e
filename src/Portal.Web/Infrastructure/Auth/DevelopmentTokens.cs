using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portal.Domain;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Development and tests only: signs real JWTs with a key made at start, and the normal
/// Microsoft.Identity.Web bearer pipeline validates them (only its key and issuer are swapped).
/// </summary>
public sealed class DevelopmentTokens : IDisposable
{
    public const string Issuer = "https://portal.local/development";
    public const string Scope = "Portal.Access";

    private readonly RSA _rsa = RSA.Create(2048);

    public DevelopmentTokens(IConfiguration configuration)
    {
        Audience = configuration["AzureAd:ClientId"] is { Length: > 0 } clientId ? clientId : "portal-development";
        Key = new RsaSecurityKey(_rsa) { KeyId = "portal-development" };
    }

    public string Audience { get; }
    public SecurityKey Key { get; }

    public string CreateToken(User user, TimeSpan? lifetime = null) =>
        CreateToken(user.EntraTenantId, user.EntraObjectId, user.DisplayName, lifetime, email: user.Email);

    /// <param name="email">Sent as <c>preferred_username</c>, as Entra does: what binds an invitation at a first sign-in.</param>
    public string CreateToken(Guid tid, Guid oid, string name, TimeSpan? lifetime = null, SecurityKey? signWith = null, string? email = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromHours(8)),
            Subject = new ClaimsIdentity(
            [
                new Claim("tid", tid.ToString()),
                new Claim("oid", oid.ToString()),
                new Claim("name", name),
                new Claim("scp", Scope),
                .. email is null ? Array.Empty<Claim>() : [new Claim("preferred_username", email)],
            ]),
            SigningCredentials = new SigningCredentials(signWith ?? Key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>
    /// An app-only token as Entra issues one to a client-credentials caller (an RMM integration): <c>idtyp=app</c>, the
    /// app role in <c>roles</c>, no <c>scp</c>; <c>oid</c>/<c>sub</c> are the service principal's object id.
    /// </summary>
    public string CreateAppToken(Guid tid, Guid oid, IReadOnlyList<string> roles, TimeSpan? lifetime = null, SecurityKey? signWith = null)
    {
        var now = DateTime.UtcNow;
        var appId = oid.ToString(); // a development stand-in: Entra's azp/appid is the caller's client id
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = $"api://{Audience}",
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromHours(1)),
            Claims = new Dictionary<string, object>
            {
                ["tid"] = tid.ToString(), ["oid"] = oid.ToString(), ["sub"] = oid.ToString(), ["idtyp"] = "app",
                ["azp"] = appId, ["appid"] = appId, ["ver"] = "2.0", ["roles"] = roles.ToArray(),
            },
            SigningCredentials = new SigningCredentials(signWith ?? Key, SecurityAlgorithms.RsaSha256),
        });
    }

    public void Dispose() => _rsa.Dispose();
}
