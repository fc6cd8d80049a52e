using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Account;

/// <summary>
/// Development: pick one of the seeded demo users (a cookie with the same tid + oid claims Entra ID would issue).
/// Anywhere else: "Sign in with Microsoft", i.e. an OpenID Connect challenge; this page then never renders.
/// </summary>
[AllowAnonymous]
public sealed class SignInModel(PortalDbContext db, IWebHostEnvironment environment) : PortalPageModel
{
    public IReadOnlyList<DevelopmentSignIn.DemoUserView> Users { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!environment.IsDevelopment())
        {
            return Challenge(new AuthenticationProperties { RedirectUri = SafeReturnUrl() }, OpenIdConnectDefaults.AuthenticationScheme);
        }
        Users = await DevelopmentSignIn.ListUsersAsync(db, ct, people: true);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid userId, CancellationToken ct)
    {
        if (!environment.IsDevelopment()) return NotFound();
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            ModelState.AddModelError(string.Empty, "That demo user does not exist (any more). Pick one from the list.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Users = await DevelopmentSignIn.ListUsersAsync(db, ct, people: true);
            return Page();
        }
        await DevelopmentSignIn.SignInAsync(HttpContext, user);
        return LocalRedirect(SafeReturnUrl());
    }

    /// <summary>Only a local path is followed after sign-in, so the page cannot be used to redirect elsewhere.</summary>
    private string SafeReturnUrl() => !string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/";
}
