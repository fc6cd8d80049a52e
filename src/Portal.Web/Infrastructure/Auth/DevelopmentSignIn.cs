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
    public sealed record TokenRequest(string? Email);
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

    public static async Task SignInAsync(HttpContext http, User user)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim("tid", user.EntraTenantId.ToString()),
            new Claim("oid", user.EntraObjectId.ToString()),
            new Claim("name", user.DisplayName),
            new Claim("preferred_username", user.Email),
        ], CookieAuthenticationDefaults.AuthenticationScheme, "name", "roles");
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
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
            var user = await db.Users.AsNoTracking().Include(u => u.Memberships).SingleOrDefaultAsync(u => u.Email == email, ct);
            if (user is null) return Results.Problem(statusCode: 404, title: "No such demo user", detail: $"No demo user has the email {email}. GET /dev/users lists them.");
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
