using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// A live refresh (wwwroot/js/live.js fetching again the page it shows, marked by <see cref="Header"/>) that is no longer
/// signed in gets a bare 401 instead of the page scheme's challenge. The challenge is a redirect, which a fetch follows: to
/// Entra's sign-in in production, cross-origin, where it fails like a network error, and the page went on saying "Live"
/// while nothing could bring it up to date any more; live.js now says so. (A refused signed-in user already gets 403 in
/// place: Infrastructure/Http/ErrorPages.) Anything else is answered as before.
/// </summary>
public sealed class LiveRefreshAuthorization : IAuthorizationMiddlewareResultHandler
{
    public const string Header = "X-Portal-Live";

    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged && context.Request.Headers.ContainsKey(Header))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }
        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
