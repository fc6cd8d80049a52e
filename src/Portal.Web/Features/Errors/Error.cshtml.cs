using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.OutputCaching;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Http;

namespace Portal.Features.Errors;

/// <summary>
/// The status page a browser gets when a page has no answer of its own: an unknown address (404), a page the user's
/// role does not cover (403), a failure (500, with the trace id to quote), or any other error status without a body.
/// It is only ever reached by re-execution (<see cref="ErrorPages"/>), which keeps the real status code; the status
/// shown comes from the framework's re-execution features, never from the address, so a direct request for
/// /error/500 is just an unknown address and answers 404.
/// </summary>
[AllowAnonymous]
[OutputCache(NoStore = true)]
public sealed class ErrorModel(CurrentUser currentUser) : PortalPageModel
{
    public int Status { get; private set; } = StatusCodes.Status404NotFound;

    public string Heading { get; private set; } = "";

    public string Message { get; private set; } = "";

    public string TraceId { get; private set; } = "";

    public bool SignedIn => currentUser.Access is not null;

    public bool IsServerError => Status >= 500;

    /// <summary>
    /// Runs before any handler: the page has none (a re-executed POST, PUT... reaches it as a GET, see
    /// <see cref="ErrorPages"/>), and the status comes from the re-execution, never from the address.
    /// </summary>
    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        base.OnPageHandlerExecuting(context);
        Status = HttpContext.Features.Get<IExceptionHandlerFeature>() is not null ? Response.StatusCode // as the exception handler chose it
            : HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is { } reExecuted ? reExecuted.OriginalStatusCode
            : StatusCodes.Status404NotFound;
        if (Status is < 400 or > 599) Status = StatusCodes.Status500InternalServerError;
        (Heading, Message) = Describe(Status);
        if (Status == StatusCodes.Status429TooManyRequests) Message = TooManyRequests();
        TraceId = ErrorPages.TraceId(HttpContext);
        Response.StatusCode = Status;
        // What antiforgery sets for a page with a form (the layout's sign-out, when signed in): asked for anything else, it
        // overrides it and logs a warning for every such error page.
        Response.Headers.CacheControl = "no-cache, no-store";
    }

    /// <summary>A refused form post is lost unless the person sends it again: say so, and when (the refusal's Retry-After).</summary>
    private string TooManyRequests()
    {
        var wait = int.TryParse(Response.Headers.RetryAfter.ToString(), out var seconds) ? $"Wait {seconds} s" : "Wait a little";
        var method = ErrorPages.OriginalMethod(HttpContext);
        return HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
            ? $"Portal is holding back requests from you for a moment. {wait}, then reload the page."
            : $"Portal is holding back requests from you for a moment: what you sent was not saved. {wait}, go back (your browser keeps what you typed) and send it again.";
    }

    private static (string Heading, string Message) Describe(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ("The request could not be read", "Part of the request was not understood. Go back, reload the page and try again."),
        StatusCodes.Status401Unauthorized => ("Sign in first", "This page is for signed-in Portal users."),
        StatusCodes.Status403Forbidden => ("Not allowed", ""), // the words depend on who asked: _NotAllowed.cshtml
        StatusCodes.Status404NotFound => ("Page not found", "There is no page at this address. Check the address, or start again from your start page."),
        StatusCodes.Status405MethodNotAllowed => ("Not possible here", "This address does not take that kind of request. Reload the page and use its buttons and forms."),
        StatusCodes.Status408RequestTimeout => ("That took too long", "The request did not arrive in time. Try again."),
        StatusCodes.Status409Conflict => ("Changed by someone else", "Reload the page to see the current state, then try again if it is still needed."),
        StatusCodes.Status413PayloadTooLarge => ("Too large", "What was sent is larger than Portal accepts."),
        StatusCodes.Status415UnsupportedMediaType => ("Not a format Portal reads", "Go back, reload the page and use its forms."),
        StatusCodes.Status429TooManyRequests => ("Too many requests", ""), // the words depend on what was refused: TooManyRequests()
        StatusCodes.Status503ServiceUnavailable => ("Portal is not available right now", "It is starting or being maintained. Try again in a minute."),
        >= 500 => ("Something went wrong on our side", "The error has been logged. What you asked for may not have been done: reload the page to see the current state before you try again."),
        _ => ("That did not work", "Portal could not answer this request. Go back, reload the page and try again."),
    };
}
