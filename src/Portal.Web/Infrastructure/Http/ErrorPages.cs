using System.Diagnostics;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Portal.Pipeline;

namespace Portal.Infrastructure.Http;

/// <summary>
/// One answer per kind of client when something goes wrong. A browser navigating to a page gets a status page in the
/// layout (Features/Errors/Error.cshtml) with the real status code; the API, the hub and every client that asks for
/// JSON get RFC 7807 problem details exactly as <see cref="ProblemDetailsExceptionHandler"/> and the framework write them.
/// A page that sets its own status and renders its own body (a banner, "No such incident") keeps it: status code pages
/// only fill a response that has no body yet.
/// </summary>
public static class ErrorPages
{
    /// <summary>Status code pages re-execute this route with the status (404, 403, 429...).</summary>
    public const string StatusPath = "/error/{0}";

    /// <summary>The exception handler re-executes this route; the page shows the status the exception maps to.</summary>
    public const string ExceptionPath = "/error/500";

    /// <summary>
    /// A browser navigation to a page: not the API or the hub, <c>Accept</c> names text/html, and nothing JSON
    /// (application/json, application/problem+json, any +json) is asked for. Plain string checks, because the status
    /// code pages ask this on every request.
    /// </summary>
    public static bool WantsHtml(HttpRequest request, PathString path)
    {
        if (IsApiOrHub(path)) return false;
        var html = false;
        foreach (var accept in request.Headers.Accept)
        {
            if (accept is null) continue;
            if (accept.Contains("json", StringComparison.OrdinalIgnoreCase)) return false;
            html |= accept.Contains("text/html", StringComparison.OrdinalIgnoreCase);
        }
        return html;
    }

    public static bool WantsHtml(HttpRequest request) => WantsHtml(request, request.Path);

    /// <summary>Where problem details are the contract whatever the client accepts.</summary>
    public static bool IsApiOrHub(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs");

    /// <summary>The id a person can quote to support; the same one the problem details of the API carry as traceId.</summary>
    public static string TraceId(HttpContext context) => Activity.Current?.Id ?? context.TraceIdentifier;

    public static IServiceCollection AddPortalErrorPages(this IServiceCollection services)
    {
        services.AddProblemDetails();
        // A body of another media type (text/plain, a form) is refused by routing before any handler runs, with a bare 415.
        services.Configure<ProblemDetailsOptions>(o =>
        {
            var before = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                before?.Invoke(context);
                var problem = context.ProblemDetails;
                if (problem.Status != StatusCodes.Status415UnsupportedMediaType || problem.Detail is not null) return;
                problem.Title = ProblemDetailsExceptionHandler.UnsupportedMediaTypeTitle;
                problem.Detail = ProblemDetailsExceptionHandler.UnsupportedMediaTypeDetail;
            };
        });
        // After the framework's writer, so it only writes what that one declines: an API or hub client whose Accept
        // names no JSON (e.g. a browser's text/html) still gets problem+json, never a plain-text or empty body.
        services.AddSingleton<IProblemDetailsWriter, ApiProblemDetailsWriter>();
        services.AddExceptionHandler<ProblemDetailsExceptionHandler>();

        // A signed-in user refused a page gets the 403 status page at the address they asked for (which they can
        // reload once access is granted), not a redirect to /forbidden. Applies to the development cookie and to the
        // cookie behind OpenID Connect in production alike (OIDC forwards Forbid to its sign-in cookie).
        services.PostConfigure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            o.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            });
        return services;
    }

    public static WebApplication UsePortalErrorPages(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Runs only when ProblemDetailsExceptionHandler leaves the request to the page (a browser asking for HTML).
            ExceptionHandlingPath = ExceptionPath,
            // A user-caused error that escaped a page (e.g. NotFoundException) keeps its status on the page too.
            StatusCodeSelector = exception => ProblemDetailsExceptionHandler.ToProblem(exception)?.Status ?? StatusCodes.Status500InternalServerError,
            // As before for what the handler writes; on the page path only real failures are logged, by the middleware.
            SuppressDiagnosticsCallback = context => context.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService
                                                    || ProblemDetailsExceptionHandler.ToProblem(context.Exception) is not null,
        });
        // Browsers: the status page, for whatever the inner middleware leaves without a body. Re-executing needs the
        // app's router, which only the top-level builder hands on (a UseWhen branch would re-execute without routing).
        app.UseStatusCodePagesWithReExecute(StatusPath);
        // The status page only reads: a re-executed POST (to an unknown address, or a form refused) reaches it as a GET, so
        // it needs no handler per method and asks for no antiforgery token (the refused request already had its answer).
        app.Use((context, next) => !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && IsReExecution(context)
            ? AsGetAsync(context, next)
            : next(context));
        // Everyone else: problem details (or the framework's plain text for a client that accepts neither), as before.
        app.UseWhen(context => !WantsHtml(context.Request), other => other.UseStatusCodePages());
        return app;
    }

    private static bool IsReExecution(HttpContext context) =>
        context.Features.Get<IStatusCodeReExecuteFeature>() is not null || context.Features.Get<IExceptionHandlerFeature>() is not null;

    private static readonly object OriginalMethodKey = new();

    /// <summary>The method the request came with: a re-executed form post reaches the status page as a GET.</summary>
    public static string OriginalMethod(HttpContext context) => context.Items[OriginalMethodKey] as string ?? context.Request.Method;

    private static async Task AsGetAsync(HttpContext context, RequestDelegate next)
    {
        var method = context.Request.Method;
        context.Items[OriginalMethodKey] = method;
        context.Request.Method = HttpMethods.Get;
        try
        {
            await next(context);
        }
        finally
        {
            context.Request.Method = method; // logs and traces of the request keep the method it came with
        }
    }

    /// <summary>The framework's problem details (type and title for the status, traceId, the same JSON options) for /api and /hubs whatever the Accept header.</summary>
    private sealed class ApiProblemDetailsWriter(IOptions<ProblemDetailsOptions> options, IOptions<JsonOptions> json) : IProblemDetailsWriter
    {
        public bool CanWrite(ProblemDetailsContext context) =>
            IsApiOrHub(context.HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? context.HttpContext.Request.Path);

        public async ValueTask WriteAsync(ProblemDetailsContext context)
        {
            var http = context.HttpContext;
            context.ProblemDetails.Status ??= http.Response.StatusCode;
            // TypedResults.Problem fills the status's RFC type link and title the way the framework's own writer does.
            var problem = TypedResults.Problem(context.ProblemDetails).ProblemDetails;
            problem.Extensions["traceId"] = TraceId(http);
            options.Value.CustomizeProblemDetails?.Invoke(context);
            await http.Response.WriteAsJsonAsync(problem, json.Value.SerializerOptions.GetTypeInfo(problem.GetType()), "application/problem+json", http.RequestAborted);
        }
    }
}
