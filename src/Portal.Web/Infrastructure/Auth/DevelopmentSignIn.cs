using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Development only (never mapped elsewhere): sign in as a seeded demo user with a cookie, or get a bearer
/// token for one with <c>POST /dev/token</c>. Both carry the same tid + oid claims Entra ID would.
/// </summary>
public static class DevelopmentSignIn
{
    public sealed record DemoUserView(Guid Id, string Name, string Email, string Organisation, OrganisationKind Kind, Role Role);
    /// <param name="Name">With <paramref name="EntraTenantId"/>: a person not in Portal yet (their invitation binds like at an Entra sign-in).</param>
    public sealed record TokenRequest(string? Email, string? Name = null, Guid? EntraTenantId = null);
    public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, Guid UserId);

    /// <param name="people">Leave out RMM integrations: they cannot use a sign-in cookie (only app-only tokens).</param>
    public static async Task<IReadOnlyList<DemoUserView>> ListUsersAsync(PortalDbContext db, CancellationToken ct, bool people = false)
    {
        var rows = await (from user in db.Users
                          join membership in db.Memberships on user.Id equals membership.UserId
                          join organisation in db.Organisations on membership.OrganisationId equals organisation.Id
                          select new DemoUserView(user.Id, user.DisplayName, user.Email, organisation.Name, organisation.Kind, membership.Role))
            .ToListAsync(ct);
        return [.. rows.Where(r => !people || r.Role != Role.MspIntegration).OrderBy(r => r.Kind).ThenBy(r => r.Organisation).ThenBy(r => r.Role).ThenBy(r => r.Name)];
    }

    public static Task SignInAsync(HttpContext http, User user) => SignInAsync(http, user.EntraTenantId, user.EntraObjectId, user.DisplayName, user.Email);

    /// <summary>A cookie with the claims Entra ID would issue for this person (a new person's invitation binds from them).</summary>
    public static async Task SignInAsync(HttpContext http, Guid tid, Guid oid, string name, string email)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim("tid", tid.ToString()),
            new Claim("oid", oid.ToString()),
            new Claim("name", name),
            new Claim("preferred_username", email),
        ], CookieAuthenticationDefaults.AuthenticationScheme, "name", "roles");
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
    }

    /// <summary>
    /// The Entra object id a development sign-in gives a new person: a name-based GUID (like version 5, with SHA-256: RFC 9562 version 8) of the Entra
    /// tenant and the normalised email, so the same person signing in again is the same (tid, oid).
    /// </summary>
    public static Guid ObjectIdFor(Guid tid, string normalisedEmail)
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"portal-dev-signin:{tid:D}:{normalisedEmail}"));
        var guid = bytes.AsSpan(0, 16).ToArray();
        guid[6] = (byte)((guid[6] & 0x0F) | 0x80); // version 8 (name-based, custom hash)
        guid[8] = (byte)((guid[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(guid, bigEndian: true);
    }

    public static void MapDevelopmentSignIn(this IEndpointRouteBuilder app)
    {
        var dev = app.MapGroup("/dev").WithTags("Development sign-in").AllowAnonymous();

        dev.MapGet("/users", async (PortalDbContext db, CancellationToken ct) => TypedResults.Ok(await ListUsersAsync(db, ct)))
            .WithSummary("The demo users you can sign in as (Development only).");

        dev.MapPost("/token", async (TokenRequest request, PortalDbContext db, DevelopmentTokens tokens, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Email))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["email"] = ["The email of a demo user is required."] });
            }
            var email = request.Email.Trim().ToLowerInvariant();
            var user = request.EntraTenantId is null ? await db.Users.AsNoTracking().Include(u => u.Memberships).SingleOrDefaultAsync(u => u.Email == email, ct) : null;
            if (request.EntraTenantId is { } tid)
            {
                // Someone new (or known) from this Entra tenant: the token Entra would issue them; an invitation binds at the first call.
                if (!EmailAddress.TryNormalise(request.Email, out var normalised, out var problem))
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [problem] });
                var name = string.IsNullOrWhiteSpace(request.Name) ? normalised : request.Name.Trim();
                var oid = ObjectIdFor(tid, normalised);
                var known = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.EntraTenantId == tid && u.EntraObjectId == oid, ct);
                var newLifetime = TimeSpan.FromHours(8);
                return Results.Ok(new TokenResponse(tokens.CreateToken(tid, oid, name, newLifetime, email: normalised), "Bearer", (int)newLifetime.TotalSeconds, known?.Id ?? Guid.Empty));
            }
            if (user is null) return Results.Problem(statusCode: 404, title: "No such demo user", detail: $"No demo user has the email {email}. GET /dev/users lists them; send name and entraTenantId too for someone new.");
            if (user.Memberships.Count > 0 && user.Memberships.All(m => m.Role == Role.MspIntegration))
            {
                // An RMM integration gets what Entra gives a client-credentials caller: an app-only token with the app role.
                var appLifetime = TimeSpan.FromHours(1);
                var appToken = tokens.CreateAppToken(user.EntraTenantId, user.EntraObjectId, [MachineClients.RemediationRole], appLifetime);
                return Results.Ok(new TokenResponse(appToken, "Bearer", (int)appLifetime.TotalSeconds, user.Id));
            }
            var lifetime = TimeSpan.FromHours(8);
            return Results.Ok(new TokenResponse(tokens.CreateToken(user, lifetime), "Bearer", (int)lifetime.TotalSeconds, user.Id));
        }).WithSummary("A bearer token for a demo user (an app-only token for an RMM integration), validated by the normal bearer pipeline (Development only).");
    }
}
