using System.Security.Cryptography;
using Microsoft.Extensions.Primitives;
using Portal.Infrastructure.Jobs;

namespace Portal.Infrastructure.Http;

/// <summary>
/// The security headers of every response, pages, API, hub and static files alike, written just before the response
/// starts (so the exception handler clearing a response, or a status page re-executed, still ends with them).
/// Everything but the page policy is a constant built once; only an HTML page gets a per-request nonce, the one Razor
/// puts on its scripts (<see cref="ScriptNonceTagHelper"/>). Page scripts are files (wwwroot/js, wwwroot/lib) and
/// <c>'self'</c> lets them run, so an output-cached page (the status page) whose script tags carry an older nonce keeps
/// working; the nonce is what an inline script would need, and <c>'unsafe-inline'</c> never appears for scripts on pages.
/// Styles are files too (no style attribute in any view), so <c>style-src 'self'</c> holds for pages. The Scalar API
/// reference (which takes the nonce for its scripts) and the Hangfire dashboard (admins only) inject inline style of their
/// own: each gets a policy of its own, with <c>'unsafe-inline'</c> for styles only.
/// </summary>
public static class SecurityHeaders
{
    private const string NonceKey = "Portal.CspNonce";

    /// <summary>Where the Scalar API reference is mapped (its default).</summary>
    public const string ScalarPath = "/scalar";

    /// <summary>The nonce of this response's Content-Security-Policy, made on first use (by the layout's scripts or the header).</summary>
    public static string Nonce(HttpContext context)
    {
        if (context.Items.TryGetValue(NonceKey, out var existing) && existing is string nonce) return nonce;
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        // base64url: no '+' for Razor to encode as &#x2B; in the attribute (a browser decodes it, a reader of the HTML should not have to)
        nonce = System.Buffers.Text.Base64Url.EncodeToString(bytes);
        context.Items[NonceKey] = nonce;
        return nonce;
    }

    /// <summary>Security headers on every response, and HSTS for a year outside Development (browsers only honour it over HTTPS), error responses included.</summary>
    public static void AddPortalSecurityHeaders(this WebApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        // Outside Development sign-out ends at Entra ID: the sign-out form's redirect must be allowed to go there.
        var signOutOrigin = development || !Uri.TryCreate(builder.Configuration["AzureAd:Instance"], UriKind.Absolute, out var entra)
            ? null : entra.GetLeftPart(UriPartial.Authority);
        builder.Services.AddSingleton(new Writer(signOutOrigin));
        builder.Services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = true;
        });
    }

    /// <summary>First in the pipeline: every response, the error pages' included, gets the headers.</summary>
    public static void UsePortalSecurityHeaders(this WebApplication app)
    {
        var writer = app.Services.GetRequiredService<Writer>();
        app.Use(next => context => writer.InvokeAsync(context, next));
        if (app.Environment.IsDevelopment()) return;
        app.UseHsts();
        // UseHsts writes its header at once, and the exception handler clears a failed response (headers too) before it writes
        // the problem details or the 500 page: the writer puts back what UseHsts decided (https only, not for localhost).
        app.Use(next => context =>
        {
            Writer.RememberHsts(context);
            return next(context);
        });
    }

    private sealed class Writer
    {
        private static readonly StringValues NoSniff = "nosniff";
        private static readonly StringValues Referrer = "strict-origin-when-cross-origin";
        private static readonly StringValues Deny = "DENY";
        /// <summary>Powerful features Portal never uses, closed for the page and anything it could embed.</summary>
        private static readonly StringValues Permissions = "accelerometer=(), browsing-topics=(), camera=(), display-capture=(), geolocation=(), " +
            "gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-get=(), serial=(), usb=(), xr-spatial-tracking=()";
        /// <summary>JSON, problem details, files: nothing in them may load or run anything, nor be framed.</summary>
        private static readonly StringValues NothingPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

        private const string PolicyHead = "default-src 'self'; script-src 'self' 'nonce-";
        private readonly string _pagePolicyTail;
        private readonly string _scalarPolicyTail;
        private readonly StringValues _dashboardPolicy;
        private readonly Func<object, Task> _apply;

        /// <param name="signOutOrigin">Where a sign-out form post may be redirected (Entra ID's origin in production): CSP form-action governs the redirect too.</param>
        public Writer(string? signOutOrigin)
        {
            const string common = "frame-ancestors 'none'; object-src 'none'; base-uri 'self'";
            var formAction = signOutOrigin is null ? "form-action 'self'" : $"form-action 'self' {signOutOrigin}";
            // connect-src: fetches to the page's own origin and the hub's WebSocket (ws/wss on the same host, appended per request).
            _pagePolicyTail = $"'; style-src 'self'; img-src 'self'; font-src 'self'; {common}; {formAction}; connect-src 'self'";
            // Scalar (a third-party bundle) puts the response's nonce on its inline configuration script (see Program.cs), but
            // injects style elements and data: images at run time; its fonts are the system's (no CDN).
            _scalarPolicyTail = $"'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; {common}; " +
                                "form-action 'self'; connect-src 'self'";
            // Hangfire's dashboard (admins only): its scripts are files, but its script injects a style element and its favicon is a data: URL.
            _dashboardPolicy = $"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
                               $"connect-src 'self'; {common}; form-action 'self'";
            _apply = Apply;
        }

        private const string HstsKey = "Portal.Hsts";

        public static void RememberHsts(HttpContext context)
        {
            if (context.Response.Headers.StrictTransportSecurity is { Count: > 0 } hsts) context.Items[HstsKey] = hsts;
        }

        public Task InvokeAsync(HttpContext context, RequestDelegate next)
        {
            context.Response.OnStarting(_apply, context);
            return next(context);
        }

        private Task Apply(object state)
        {
            var context = (HttpContext)state;
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = NoSniff;
            headers["Referrer-Policy"] = Referrer;
            headers["Permissions-Policy"] = Permissions;
            headers.XFrameOptions = Deny; // frame-ancestors for browsers that predate it (and overrides the antiforgery's SAMEORIGIN)
            if (headers.StrictTransportSecurity.Count == 0 && context.Items.TryGetValue(HstsKey, out var hsts) && hsts is StringValues value)
                headers.StrictTransportSecurity = value;
            // A 304 would replace the stored page's headers in the browser: it gets none, so the page keeps its own policy.
            if (context.Response.StatusCode == StatusCodes.Status304NotModified) return Task.CompletedTask;
            if (!IsHtml(context.Response.ContentType))
            {
                headers.ContentSecurityPolicy = NothingPolicy;
                return Task.CompletedTask;
            }
            // The whole path: the dashboard's middleware has moved its prefix to PathBase by the time the response starts.
            var path = context.Request.PathBase.Add(context.Request.Path);
            headers.ContentSecurityPolicy = path.StartsWithSegments(ScalarPath) ? string.Concat(PolicyHead, Nonce(context), _scalarPolicyTail)
                : path.StartsWithSegments(JobsSetup.DashboardPath) ? _dashboardPolicy
                : PagePolicy(context);
            return Task.CompletedTask;
        }

        private string PagePolicy(HttpContext context)
        {
            var request = context.Request;
            var socket = request.IsHttps ? "wss://" : "ws://";
            return string.Concat(PolicyHead, Nonce(context), _pagePolicyTail, " ", socket, request.Host.ToUriComponent());
        }

        private static bool IsHtml(string? contentType) => contentType is not null && contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase);
    }
}
