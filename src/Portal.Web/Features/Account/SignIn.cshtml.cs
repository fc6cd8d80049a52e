using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
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

    /// <summary>"Sign in as someone new": what Entra would say about a person Portal does not know yet (their invitation then binds).</summary>
    public sealed class NewPersonInput
    {
        public string? DisplayName { get; set; }
        public string? Email { get; set; }
        public string? EntraTenantId { get; set; }
    }

    [BindProperty]
    public NewPersonInput NewPerson { get; set; } = new();

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

    /// <summary>
    /// Development only: a cookie for someone Portal does not know yet, with a deterministic oid (the same person gets the same
    /// oid next time). The invitation binder then binds their pending invitation exactly as at an Entra sign-in; without one
    /// they are signed in but have no access (403), as in production.
    /// </summary>
    public async Task<IActionResult> OnPostNewAsync(CancellationToken ct)
    {
        if (!environment.IsDevelopment()) return NotFound();
        if (string.IsNullOrWhiteSpace(NewPerson.DisplayName) || NewPerson.DisplayName.Trim().Length > 200)
            ModelState.AddModelError("NewPerson.DisplayName", "Type the person's name (at most 200 characters).");
        if (!EmailAddress.TryNormalise(NewPerson.Email, out var email, out var problem)) ModelState.AddModelError("NewPerson.Email", problem);
        if (!Guid.TryParse(NewPerson.EntraTenantId, out var tid) || tid == Guid.Empty)
            ModelState.AddModelError("NewPerson.EntraTenantId", "Type the Entra tenant id (a GUID) the person signs in from: their organisation's.");
        if (ModelState.ErrorCount > 0)
        {
            ShowInvalid();
            Users = await DevelopmentSignIn.ListUsersAsync(db, ct, people: true);
            return Page();
        }
        await DevelopmentSignIn.SignInAsync(HttpContext, tid, DevelopmentSignIn.ObjectIdFor(tid, email), NewPerson.DisplayName!.Trim(), email);
        return LocalRedirect(SafeReturnUrl());
    }

    /// <summary>Only a local path is followed after sign-in, so the page cannot be used to redirect elsewhere.</summary>
    private string SafeReturnUrl() => !string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/";
}
