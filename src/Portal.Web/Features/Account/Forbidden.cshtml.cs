using Microsoft.AspNetCore.Authorization;

namespace Portal.Features.Account;

/// <summary>
/// Where the start page sends an account Portal does not know (403). A page the user's role does not cover answers
/// the same words in place, as its 403 status page (Features/Errors).
/// </summary>
[AllowAnonymous]
public sealed class ForbiddenModel : PortalPageModel
{
    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
