using System.Net.Http.Json;

namespace Portal.IntegrationTests.Advisories;

/// <summary>
/// The advisory list pages by key, newest first: each page names the next in a <c>Link</c> header (rel="next") with the same
/// filters, the last names none, and following them reaches every advisory once. Before, the list stopped at 500 with no way
/// further. The body is the array it always was.
/// </summary>
public abstract class ListAdvisoriesPagingTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;

    [Fact]
    public async Task Following_the_next_links_reaches_every_advisory_once_newest_first()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);
        for (var n = 0; n < 5; n++) await priya.PublishAsync(Sentinel, $"Paged advisory {n} {Guid.NewGuid():N}", [sensor.Id]);

        using var whole = await priya.GetAsync($"/api/v1/advisories?providerId={Sentinel}&limit=500", Ct);
        var expected = (await whole.ReadAsync<AdvisorySummaryDto[]>()).Select(a => a.Id).ToList();
        expected.Count.ShouldBeGreaterThanOrEqualTo(5);
        whole.Headers.Contains("Link").ShouldBeFalse("everything fitted on one page");

        var seen = new List<Guid>();
        var pages = 0;
        string? url = $"/api/v1/advisories?providerId={Sentinel}&limit=2";
        while (url is not null)
        {
            using var page = await priya.GetAsync(url, Ct);
            var items = await page.ReadAsync<AdvisorySummaryDto[]>();
            items.Length.ShouldBeLessThanOrEqualTo(2);
            items.ShouldAllBe(a => a.ProviderId == Sentinel, "the filter stays on every page");
            seen.AddRange(items.Select(a => a.Id));
            pages++;
            url = NextLink(page);
            if (url is not null)
            {
                url.ShouldContain($"providerId={Sentinel}");
                url.ShouldContain("limit=2");
            }
            (pages < 100).ShouldBeTrue("the links must end");
        }

        seen.ShouldBe(expected, "every advisory once, in the one-page order");
        pages.ShouldBe((expected.Count + 1) / 2);
    }

    [Fact]
    public async Task A_cursor_the_list_did_not_give_out_is_refused()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        foreach (var cursor in new[] { "not-a-cursor", Convert.ToBase64String("tasks:abc"u8.ToArray()).TrimEnd('='), Convert.ToBase64String("advisories:xyz|1"u8.ToArray()).TrimEnd('=') })
        {
            using var response = await maya.GetAsync($"/api/v1/advisories?cursor={Uri.EscapeDataString(cursor)}", Ct);
            var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
            problem.Errors.ShouldContainKey("cursor", cursor);
        }
    }

    [Fact]
    public async Task A_customer_pages_through_only_the_advisories_that_target_its_tenant()
    {
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        using var whole = await olivia.GetAsync("/api/v1/advisories?limit=500", Ct);
        var expected = (await whole.ReadAsync<AdvisorySummaryDto[]>()).Select(a => a.Id).ToList();

        var seen = new List<Guid>();
        string? url = "/api/v1/advisories?limit=1";
        while (url is not null)
        {
            using var page = await olivia.GetAsync(url, Ct);
            seen.AddRange((await page.ReadAsync<AdvisorySummaryDto[]>()).Select(a => a.Id));
            url = NextLink(page);
        }
        seen.ShouldBe(expected);
        foreach (var id in seen)
        {
            (await app.TargetsAsync(id)).ShouldContain(northwind);
        }
    }

    /// <summary>The target of <c>Link: &lt;…&gt;; rel="next"</c>, or null.</summary>
    private static string? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        var link = values.Single();
        link.ShouldEndWith("; rel=\"next\"");
        return link[1..link.IndexOf('>', StringComparison.Ordinal)];
    }
}

public sealed class ListAdvisoriesPagingOnSqlite(SqliteApp app) : ListAdvisoriesPagingTests(app), IClassFixture<SqliteApp>;

public sealed class ListAdvisoriesPagingOnPostgreSql(PostgresApp app) : ListAdvisoriesPagingTests(app), IClassFixture<PostgresApp>;
