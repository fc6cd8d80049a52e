using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features;

/// <summary>
/// The base of every Portal page. Pages never decide access themselves: they send the same Mediator messages as
/// the API, and what the access, validation and domain rules refuse comes back here as an exception, handled
/// once for all pages with the API's mapping (<see cref="ProblemDetailsExceptionHandler.ToProblem"/>) and its
/// status code:
/// <list type="bullet">
/// <item>not allowed (403): the Forbidden page, as the authorization policy answers;</item>
/// <item>not found or not yours (404, indistinguishable): the page itself with <see cref="Missing"/> set and a banner;</item>
/// <item>a validation or domain refusal on a form: the page again with the banner and the fields marked (<see cref="ShowProblem"/>).</item>
/// </list>
/// Anything else is a server error and goes to the exception handler.
/// </summary>
public abstract class PortalPageModel : PageModel
{
    /// <summary>Sent by wwwroot/js/live.js when it refetches the page to swap its live regions.</summary>
    public const string LiveRefreshHeader = Infrastructure.Auth.LiveRefreshAuthorization.Header;

    /// <summary>
    /// The query live.js adds (<c>?part=live</c>) when it refetches a customer's page: the page's live regions alone, without the
    /// layout and what is rendered for each person (the status, incident and recovery pages honour it).
    /// </summary>
    public const string LiveRegionsQuery = "part", LiveRegionsValue = "live";

    /// <summary><see cref="LiveRegionsValue"/> when live.js asks for the page's live regions alone (<see cref="AsksForLiveRegions"/>).</summary>
    [BindProperty(SupportsGet = true, Name = LiveRegionsQuery)]
    public string? Part { get; set; }

    /// <summary>
    /// This request is live.js's refetch of the live regions alone. After a change every open page refetches at once, each for another
    /// person; a page that has regions everyone shares renders them without the layout (its own <c>RegionsOnly</c>).
    /// </summary>
    protected bool AsksForLiveRegions => Part == LiveRegionsValue;

    private const string FlashKey = "Portal.Flash";
    private string? _flash;
    private bool _flashRead;

    /// <summary>
    /// One line carried across a post-redirect-get, e.g. "NWA-7 acknowledged". Read only when a page shows it, so a page
    /// without one (the status page everyone reloads) never loads TempData. A live refetch (the event of the user's own
    /// change can reach the page before the redirect does) must not consume the message meant for the page view.
    /// </summary>
    public string? Flash
    {
        get
        {
            if (_flashRead) return _flash;
            _flashRead = true;
            if (!Request.Headers.ContainsKey(LiveRefreshHeader)) _flash = TempData[FlashKey] as string;
            return _flash;
        }
    }

    public Banner? Banner { get; private set; }

    /// <summary>What the page was asked for but does not exist or is not the user's ("incident", "tenant"); the page says so with a 404.</summary>
    public string? Missing { get; private set; }

    /// <summary>Shows the message on the next page view, the one the redirect after a successful post leads to.</summary>
    protected void FlashOnNextPage(string message) => TempData[FlashKey] = message;

    public override void OnPageHandlerExecuted(PageHandlerExecutedContext context)
    {
        if (context.Exception is { } exception && !context.ExceptionHandled && Refusal(exception) is { } result)
        {
            context.Result = result;
            context.ExceptionHandled = true;
        }
        base.OnPageHandlerExecuted(context);
    }

    /// <summary>What a page answers for an error its handler let through; null for a server error.</summary>
    private IActionResult? Refusal(Exception exception) => exception switch
    {
        NotSignedInException => Challenge(),
        NotPermittedException => Forbid(),
        NotFoundException notFound => ShowNotFound(notFound.What),
        _ when ShowProblem(exception) => Page(),
        _ => null,
    };

    /// <summary>
    /// Use as <c>catch (Exception e) when (ShowProblem(e))</c> around a form's command: true (and the page shows the
    /// problem) for every error a user can cause; false lets anything else reach the exception handler.
    /// </summary>
    protected bool ShowProblem(Exception exception, string? fieldPrefix = null)
    {
        var problem = ProblemDetailsExceptionHandler.ToProblem(exception);
        if (problem is null) return false;

        Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        switch (exception)
        {
            case ValidationException validation:
                foreach (var failure in validation.Errors)
                {
                    var key = string.IsNullOrEmpty(fieldPrefix) ? failure.PropertyName : $"{fieldPrefix}.{failure.PropertyName}";
                    ModelState.AddModelError(key, failure.ErrorMessage);
                }
                Banner = new Banner("Check the fields marked below", null, true);
                break;
            case StaleVersionException or DbUpdateConcurrencyException:
                Banner = new Banner("Changed by someone else, reloaded",
                    $"Someone changed {(exception is StaleVersionException stale ? "this " + stale.What : "this")} while you had the page open. Nothing of yours was saved. " +
                    "The page now shows the current state: check it, then try again if it is still needed.", true);
                break;
            default:
                Banner = new Banner(problem.Title ?? "That did not work", problem.Detail, true);
                break;
        }
        return true;
    }

    /// <summary>The form whose post failed: the page keeps what was typed in it and shows its messages beside it.</summary>
    public string? FailedForm { get; private set; }

    /// <summary>
    /// One form's change, the same on every page: done, its message shows on the next page view (post-redirect-get to
    /// <paramref name="routeValues"/> of this page); refused, the page again (<paramref name="reload"/>) with the banner, the form's
    /// fields marked and <see cref="FailedForm"/> set. Anything that is not a user's error goes to the exception handler.
    /// </summary>
    protected async Task<IActionResult> SubmitAsync(string form, Func<Task<string>> change, Func<Task> reload, object? routeValues)
    {
        try
        {
            FlashOnNextPage(await change());
            return RedirectToPage(routeValues);
        }
        catch (Exception e) when (ShowProblem(e, form))
        {
            FailedForm = form;
        }
        await reload();
        return Page();
    }

    /// <summary>The validation messages of one of the page's forms: its fields are keyed "Form.Field" (<see cref="ShowProblem"/>'s prefix).</summary>
    public IEnumerable<string> FormErrors(string form) => ModelState
        .Where(e => e.Key.StartsWith(form + ".", StringComparison.Ordinal))
        .SelectMany(e => e.Value!.Errors.Select(x => x.ErrorMessage));

    /// <summary>After the page itself added model errors: a 400 and a banner pointing at the fields.</summary>
    protected void ShowInvalid()
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        Banner = new Banner("Check the fields marked below", null, true);
    }

    /// <summary>Something the user should know that is not an error.</summary>
    protected void ShowNotice(string title, string? detail = null) => Banner = new Banner(title, detail, false);

    /// <summary>For a record that is missing or not the user's: the page says so with a 404, it does not reveal which.</summary>
    protected PageResult ShowNotFound(string what)
    {
        Missing = what;
        Response.StatusCode = StatusCodes.Status404NotFound;
        Banner = new Banner($"No such {what}", $"There is no such {what}, or it is not yours to see.", true);
        return Page();
    }
}
