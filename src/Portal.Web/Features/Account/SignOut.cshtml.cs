using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Portal.Features.Account;

/// <summary>
/// POST /signout drops the Portal cookie and, in production, signs out of Entra ID too.
/// The sign-out button sits in the header of every page, so it carries no antiforgery token: generating one
/// costs two data-protection operations on every page view, the status page included, which everyone refreshes
/// during an outage. Cross-site posts are refused from the browser's own fetch metadata instead (Sec-Fetch-Site,
/// else Origin), and the SameSite=Lax cookie is not sent on a cross-site POST in the first place.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class SignOutModel(IWebHostEnvironment environment) : PortalPageModel
{
    public IActionResult OnGet() => Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (!IsSameOrigin(Request)) return BadRequest();
        if (environment.IsDevelopment())
        {
            await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return LocalRedirect("/signin");
        }
        return SignOut(new AuthenticationProperties { RedirectUri = "/" },
            CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme);
    }

    /// <summary>Browsers send Sec-Fetch-Site on every request and Origin on every POST; a page on another site can forge neither.</summary>
    public static bool IsSameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0) return site == "same-origin";
        return Uri.TryCreate(request.Headers.Origin.ToString(), UriKind.Absolute, out var origin)
            && string.Equals(origin.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
