using Microsoft.AspNetCore.Authorization;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Part of the default policy: a valid token is not enough, its tid + oid must map to a Portal user.
/// A token from an Entra tenant Portal does not know therefore gets 403, whatever roles it claims.
/// </summary>
public sealed class KnownPortalUserRequirement : IAuthorizationRequirement;

public sealed class KnownPortalUserHandler(CurrentUser currentUser) : AuthorizationHandler<KnownPortalUserRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, KnownPortalUserRequirement requirement)
    {
        if (currentUser.Access is not null) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
