using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Portal.Features.Account;

/// <summary>
/// POST /signout drops the Portal cookie and, in production, signs out of Entra ID too. Like every page form it carries the
/// antiforgery token (the layout's sign-out button included) and Razor Pages refuses a POST without a valid one (400):
/// another site cannot sign a user out. The token is bound to the antiforgery cookie (SameSite=Strict, HttpOnly).
/// </summary>
[AllowAnonymous]
public sealed class SignOutModel(IWebHostEnvironment environment) : PortalPageModel
{
    public IActionResult OnGet() => Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (environment.IsDevelopment())
        {
            await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return LocalRedirect("/signin");
        }
        return SignOut(new AuthenticationProperties { RedirectUri = "/" },
            CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme);
    }
}
