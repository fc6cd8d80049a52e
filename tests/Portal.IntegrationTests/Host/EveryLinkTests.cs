using System.Net;
using System.Text.RegularExpressions;

namespace Portal.IntegrationTests.Host;

/// <summary>
/// Every page a person can reach by following the portal's own links answers, for every demo user: signed in through the
/// development form, each follows every same-site link the pages render (a few of each kind: three incidents, not all of them),
/// and none answers 5xx, 404 or 403. A link the portal shows someone is a promise that it leads somewhere they may go.
/// </summary>
public sealed partial class EveryLinkTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private const int PerKind = 3;
    private const int MaxPages = 400;

    /// <summary>Links that are not pages to read: sign-out, the API and hubs (their own tests), and the development sign-in.</summary>
    private static readonly string[] NotPages = ["/signout", "/signin", "/api/", "/hubs/", "/openapi/", "/scalar", "/dev/", "/hangfire", "/_framework", "/lib/", "/css/", "/js/", "/favicon"];

    public static TheoryData<string> People => [.. Portal.Infrastructure.Data.DemoData.Users.Select(u => u.Email)];

    [Theory]
    [MemberData(nameof(People))]
    public async Task Every_link_a_person_is_shown_leads_to_a_page_they_may_see(string email)
    {
        var ct = TestContext.Current.CancellationToken;
        using var browser = await app.PageClientForAsync(email);
        var seen = new HashSet<string>(StringComparer.Ordinal) { "/" };
        var perKind = new Dictionary<string, int>(StringComparer.Ordinal);
        var queue = new Queue<(string Path, string From)>([("/", "(start)")]);
        var broken = new List<string>();
        var visited = 0;
        while (queue.TryDequeue(out var next) && visited < MaxPages)
        {
            visited++;
            using var response = await browser.GetAsync(next.Path, ct);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                var location = response.Headers.Location?.ToString() ?? "";
                if (!location.StartsWith('/') || location.StartsWith("//", StringComparison.Ordinal)) broken.Add($"{next.Path} (linked from {next.From}) redirects off the site: {location}");
                else Enqueue(location, next.Path);
                continue;
            }
            if (status != 200)
            {
                broken.Add($"{next.Path} (linked from {next.From}) answered {status}");
                continue;
            }
            if (response.Content.Headers.ContentType?.MediaType != "text/html") continue; // a CSV export, a feed: it answered
            var html = await response.Content.ReadAsStringAsync(ct);
            foreach (Match link in Href().Matches(html)) Enqueue(WebUtility.HtmlDecode(link.Groups[1].Value), next.Path);
        }
        visited.ShouldBeGreaterThan(3, $"{email} reached some pages");
        visited.ShouldBeLessThan(MaxPages, $"{email}'s crawl ended within {MaxPages} pages (else the links multiply without end)");
        broken.ShouldBeEmpty($"{email} was shown links that lead nowhere they may go");

        void Enqueue(string href, string from)
        {
            var path = href.Split('#')[0];
            if (path.Length == 0 || !path.StartsWith('/') || path.StartsWith("//", StringComparison.Ordinal)) return;
            if (NotPages.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase)) || !seen.Add(path)) return;
            var kind = Ids().Replace(path.Split('?')[0], "{id}") + (path.Contains('?') ? "?" + string.Join("&", path.Split('?')[1].Split('&').Select(p => p.Split('=')[0]).Order()) : "");
            perKind[kind] = perKind.GetValueOrDefault(kind) + 1;
            if (perKind[kind] <= PerKind) queue.Enqueue((path, from));
        }
    }

    [GeneratedRegex("<a\\s[^>]*?href=\"([^\"]*)\"")]
    private static partial Regex Href();

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|(?<=/)[0-9]+(?=/|$)")]
    private static partial Regex Ids();
}
