using Microsoft.AspNetCore.Authorization;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Part of the default policy: a valid token is not enough, its tid + oid must map to a Portal user.
/// A token from an Entra tenant Portal does not know therefore gets 403, whatever roles it claims.
/// The requirement is its own handler (as ASP.NET Core's own simple requirements are): nothing to resolve from the
/// request's services per request. It reads the user <see cref="PortalUserMiddleware"/> resolved for the request
/// that is being authorised (the resource of endpoint authorisation, pages and the hub's connection alike).
/// </summary>
public sealed class KnownPortalUserRequirement : AuthorizationHandler<KnownPortalUserRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, KnownPortalUserRequirement requirement)
    {
        if (context.Resource is HttpContext http && http.RequestServices.GetRequiredService<CurrentUser>().Access is not null)
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
