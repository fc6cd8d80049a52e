using System.Globalization;
using Microsoft.AspNetCore.Html;
using Portal.Domain;
using Severity = Portal.Domain.Severity;

namespace Portal.Features;

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

    /// <summary>A role as people say it ("MSP lead", not "MspLead"), in a table cell or mid-sentence ("every MSP engineer").</summary>
    public static string Role(Role role) => role switch
    {
        Domain.Role.ProviderPublisher => "publisher",
        Domain.Role.ProviderViewer => "viewer",
        Domain.Role.MspEngineer => "MSP engineer",
        Domain.Role.MspLead => "MSP lead",
        Domain.Role.CustomerViewer => "customer viewer",
        Domain.Role.CustomerAdmin => "customer admin",
        Domain.Role.PlatformAdmin => "platform admin",
        Domain.Role.MspIntegration => "integration (machine client)",
        _ => role.ToString(),
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

    /// <summary>A count as people read it in the UI: 1,204.</summary>
    public static string Count(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Percent(int part, int whole) => whole == 0 ? "0 %" : $"{Math.Floor(100.0 * part / whole).ToString(CultureInfo.InvariantCulture)} %";

    /// <summary>"5 Dec 2026 00:48 UTC": a time that must still read right later, on paper or in a period's bounds.</summary>
    public static string Stamp(DateTimeOffset at) => at.ToUniversalTime().ToString("d MMM yyyy HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The machine-readable value of a &lt;time datetime&gt; attribute.</summary>
    public static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
