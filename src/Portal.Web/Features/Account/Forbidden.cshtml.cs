using Microsoft.AspNetCore.Authorization;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Account;

/// <summary>Where a refused request lands (403): an unknown account or tenant, or a page the user's role does not cover.</summary>
[AllowAnonymous]
public sealed class ForbiddenModel(CurrentUser currentUser) : PortalPageModel
{
    public UserAccess? Me => currentUser.Access;

    public bool SignedIn => User.Identity?.IsAuthenticated == true;

    public string? AccountName => User.FindFirst("preferred_username")?.Value ?? User.Identity?.Name;

    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
