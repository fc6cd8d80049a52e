using System.Security.Claims;
using Portal.Data;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// After authentication: map the token's tid + oid to a Portal user and open the tenant scope that the
/// query filters read. An authenticated principal that maps to nobody stays without access (403 by policy).
/// Opens a logging scope with the user id for the rest of the request.
/// </summary>
public sealed class PortalUserMiddleware(RequestDelegate next, ILogger<PortalUserMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context, UserAccessCache cache)
    {
        var access = await ResolveAsync(context.User, context.RequestServices, cache, context.RequestAborted);
        // Everything logged for the rest of the request carries the user id (scopes cost an allocation: only when logging writes them).
        using var scope = access is not null && logger.IsEnabled(LogLevel.Information) ? logger.BeginScope(access.LogScope) : null;
        await next(context);
    }

    /// <summary>Resolves the principal to a Portal user and opens the scope's tenants; also used by the hub for each invocation.</summary>
    public static async ValueTask<UserAccess?> ResolveAsync(ClaimsPrincipal? principal, IServiceProvider services, UserAccessCache cache, CancellationToken ct)
    {
        if (principal?.Identity?.IsAuthenticated != true) return null;
        var claims = TokenClaims.Read(principal);
        if (!claims.TryReadIds(out var tid, out var oid)) return null;
        var access = await cache.GetAsync(tid, oid, ct);
        // Nobody yet: a pending invitation from this Entra tenant for the token's email binds now (first sign-in), then resolve again.
        if (access is null && services.GetService<InvitationBinder>() is { } binder && await binder.TryBindAsync(principal, tid, oid, ct))
        {
            cache.Forget(tid, oid);
            access = await cache.GetAsync(tid, oid, ct);
        }
        // An integration only with an app-only token carrying the remediation app role; a person never with an app-only token.
        if (access is null || !MachineClients.Accepts(claims, access)) return null;
        services.GetRequiredService<CurrentUser>().Set(access);
        services.GetRequiredService<TenantScope>().Grant(access.FullAccessTenants, access.CustomerAccessTenants, access.ProviderIds);
        return access;
    }

    public static bool TryReadIds(ClaimsPrincipal principal, out Guid tid, out Guid oid) => TokenClaims.Read(principal).TryReadIds(out tid, out oid);
}
