using System.Globalization;
using FluentValidation;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;
using Portal.Pipeline;
using Severity = Portal.Domain.Severity;

namespace Portal.Features;

/// <summary>A message shown at the top of a page: what went wrong (or right) and what to do now.</summary>
public sealed record Banner(string Title, string? Detail, bool IsError);

/// <summary>
/// What every Portal page does with the errors a user can cause: the same mapping as the API
/// (<see cref="ProblemDetailsExceptionHandler.ToProblem"/>), shown in the page with the same status code, never a 500.
/// </summary>
public abstract class PortalPageModel : PageModel
{
    /// <summary>Sent by wwwroot/js/live.js when it refetches the page to swap its live regions.</summary>
    public const string LiveRefreshHeader = "X-Portal-Live";

    private const string FlashKey = "Portal.Flash";

    /// <summary>One line carried across a post-redirect-get, e.g. "NWA-7 acknowledged".</summary>
    public string? Flash { get; private set; }

    public Banner? Banner { get; private set; }

    /// <summary>Shows the message on the next page view, the one the redirect after a successful post leads to.</summary>
    protected void FlashOnNextPage(string message) => TempData[FlashKey] = message;

    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        // A live refetch (the event of the user's own change can reach the page before the redirect does) must not
        // consume the message meant for the page view: it does not touch TempData at all, so its cookie stays as it is.
        if (!Request.Headers.ContainsKey(LiveRefreshHeader)) Flash = TempData[FlashKey] as string;
        base.OnPageHandlerExecuting(context);
    }

    /// <summary>
    /// Use as <c>catch (Exception e) when (ShowProblem(e))</c>: true (and the page shows the problem) for every error a
    /// user can cause; false lets anything else reach the exception handler.
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
                    "Someone changed this incident while you had the page open. Nothing of yours was saved. " +
                    "The page now shows the current state: check it, then try again if it is still needed.", true);
                break;
            default:
                Banner = new Banner(problem.Title ?? "That did not work", problem.Detail, true);
                break;
        }
        return true;
    }

    /// <summary>After the page itself added model errors: a 400 and a banner pointing at the fields.</summary>
    protected void ShowInvalid()
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        Banner = new Banner("Check the fields marked below", null, true);
    }

    /// <summary>Something the user should know that is not an error.</summary>
    protected void ShowNotice(string title, string? detail = null) => Banner = new Banner(title, detail, false);

    /// <summary>For a record that is missing or not the user's: the page says so with a 404, it does not reveal which.</summary>
    protected void ShowNotFound(string what)
    {
        Response.StatusCode = StatusCodes.Status404NotFound;
        Banner = new Banner($"No such {what}", $"There is no such {what}, or it is not yours to see.", true);
    }
}

/// <summary>Small formatting rules shared by the pages, so a severity or an age reads the same everywhere.</summary>
public static class Display
{
    private static readonly HtmlString[] SeverityBadges =
    [
        new("<span class=\"sev sev1\">Sev1 <span class=\"sev-word\">critical</span></span>"),
        new("<span class=\"sev sev2\">Sev2 <span class=\"sev-word\">high</span></span>"),
        new("<span class=\"sev sev3\">Sev3 <span class=\"sev-word\">moderate</span></span>"),
        new("<span class=\"sev sev4\">Sev4 <span class=\"sev-word\">low</span></span>"),
    ];

    private static readonly Dictionary<IncidentStatus, HtmlString> StatusBadges = Enum.GetValues<IncidentStatus>()
        .ToDictionary(s => s, s => new HtmlString($"<span class=\"status st-{s.ToString().ToLowerInvariant()}\">{s}</span>"));

    /// <summary>Colour and a text label (never colour alone).</summary>
    public static HtmlString Severity(Severity severity) =>
        severity is >= Domain.Severity.Sev1 and <= Domain.Severity.Sev4 ? SeverityBadges[(int)severity - 1] : new HtmlString("?");

    public static HtmlString Status(IncidentStatus status) => StatusBadges.TryGetValue(status, out var badge) ? badge : new HtmlString("?");

    public static string SeverityWord(Severity severity) => severity switch
    {
        Domain.Severity.Sev1 => "Sev1 (critical)",
        Domain.Severity.Sev2 => "Sev2 (high)",
        Domain.Severity.Sev3 => "Sev3 (moderate)",
        Domain.Severity.Sev4 => "Sev4 (low)",
        _ => severity.ToString(),
    };

    /// <summary>"45 s", "14 min", "2 h 14 min", "3 d 4 h": precise enough to triage, short enough for a table cell.</summary>
    public static string Age(DateTimeOffset since, DateTimeOffset now)
    {
        var age = now - since;
        if (age < TimeSpan.Zero) age = TimeSpan.Zero;
        return age.TotalMinutes < 1 ? $"{(int)age.TotalSeconds} s"
            : age.TotalHours < 1 ? $"{(int)age.TotalMinutes} min"
            : age.TotalDays < 1 ? $"{(int)age.TotalHours} h {age.Minutes} min"
            : $"{(int)age.TotalDays} d {age.Hours} h";
    }

    /// <summary>Times in UTC, because MSPs, vendors and customers sit in different time zones during the same outage.</summary>
    public static string Time(DateTimeOffset at, DateTimeOffset now)
    {
        var utc = at.ToUniversalTime();
        return utc.Date == now.ToUniversalTime().Date
            ? utc.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture)
            : utc.ToString("d MMM HH:mm 'UTC'", CultureInfo.InvariantCulture);
    }

    /// <summary>The machine-readable value of a &lt;time datetime&gt; attribute.</summary>
    public static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
