using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features;

/// <summary>The start page is wherever the user's work is: triage for MSPs, the status page for customers, and so on.</summary>
[AllowAnonymous]
public sealed class IndexModel(CurrentUser currentUser) : PortalPageModel
{
    public IActionResult OnGet()
    {
        if (User.Identity?.IsAuthenticated != true) return LocalRedirect("/signin");
        if (currentUser.Access is not { } me) return LocalRedirect("/forbidden");
        if (me.IsKind(OrganisationKind.Msp)) return LocalRedirect("/triage");
        if (me.IsKind(OrganisationKind.Customer)) return LocalRedirect("/status");
        if (me.IsKind(OrganisationKind.Provider)) return LocalRedirect("/provider");
        if (me.IsKind(OrganisationKind.Platform)) return LocalRedirect("/organisations");
        return LocalRedirect("/forbidden");
    }
}
