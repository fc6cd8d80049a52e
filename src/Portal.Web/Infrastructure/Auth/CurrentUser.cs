using System.Security.Claims;
using Microsoft.Identity.Web;
using Portal.Data;

namespace Portal.Infrastructure.Auth;

/// <summary>The Portal user of the current request (scoped); null until resolved, and null for unknown tenants or users.</summary>
public sealed class CurrentUser
{
    public UserAccess? Access { get; private set; }

    public UserAccess Required => Access ?? throw new NotSignedInException();

    internal void Set(UserAccess access) => Access = access;
}

public sealed class NotSignedInException() : Exception("Sign in to Portal first.");

/// <summary>
/// After authentication: map the token's tid + oid to a Portal user and open the tenant scope that the
/// query filters read. An authenticated principal that maps to nobody stays without access (403 by policy).
/// </summary>
public sealed class PortalUserMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, CurrentUser currentUser, TenantScope scope, UserAccessCache cache)
    {
        if (context.User.Identity?.IsAuthenticated == true && TryReadIds(context.User, out var tid, out var oid))
        {
            var access = await cache.GetAsync(tid, oid, context.RequestAborted);
            if (access is not null)
            {
                currentUser.Set(access);
                scope.Grant(access.TenantsWith(Domain.TenantAccess.Msp), access.TenantsWith(Domain.TenantAccess.Customer));
            }
        }
        await next(context);
    }

    public static bool TryReadIds(ClaimsPrincipal principal, out Guid tid, out Guid oid)
    {
        oid = Guid.Empty;
        return Guid.TryParse(principal.GetTenantId(), out tid) && Guid.TryParse(principal.GetObjectId(), out oid);
    }
}
