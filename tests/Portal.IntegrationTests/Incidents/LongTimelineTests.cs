using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Incidents;

/// <summary>
/// A long timeline, a page at a time from its end. The incident page shows the newest 100 timeline entries (an RMM tool's bulk updates add one each, and the page is fetched
/// again on every change of the incident), says that older ones exist, and shows them all when asked. The newest are counted
/// after the reader's filter: a customer's 100 are the newest they may read, however many internal notes came after. The API
/// does the same with limit and before, and without them still returns every entry.
/// </summary>
public abstract partial class LongTimelineTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("""<ol class="timeline" reversed>(.*?)</ol>""", RegexOptions.Singleline)]
    private static partial Regex TimelineList();

    private static List<string> Entries(string html) =>
        [.. Regex.Matches(TimelineList().Match(html).Groups[1].Value, """<p class="entry-text">(.*?)</p>""").Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))];

    /// <summary>An incident with a customer update, then 150 remediation summaries (which the customer reads too), then 120 internal notes.</summary>
    private async Task<IncidentDto> LongIncidentAsync(HttpClient maya)
    {
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), $"Long timeline {Guid.NewGuid():N}", "Sev2");
        created.Dispose();
        await maya.AddNoteAsync(incident.Id, "Customer update before the rush", "Customer");
        await app.QueryAsync(async db =>
        {
            var tracked = await db.Incidents.SingleAsync(i => i.Id == incident.Id, Ct);
            var tool = new Actor(Guid.NewGuid(), "RMM tool", TenantAccess.Msp);
            var at = DateTimeOffset.UtcNow;
            for (var n = 1; n <= 150; n++) tracked.RecordRemediation($"Bulk update {n}", tool, at.AddSeconds(n));
            var engineer = new Actor(app.Demo.User(DemoDirectory.Maya).Id, "Maya Chen", TenantAccess.Msp);
            for (var n = 1; n <= 120; n++) tracked.AddNote($"Internal {n}", NoteVisibility.Internal, engineer, at.AddSeconds(150 + n));
            return await db.SaveChangesAsync(Ct);
        });
        return incident;
    }

    [Fact]
    public async Task The_API_reads_a_long_timeline_from_its_end_a_page_at_a_time_and_refuses_a_limit_out_of_range()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var incident = await LongIncidentAsync(maya);
        var path = $"/api/v1/incidents/{incident.Id}/timeline";
        async Task<List<TimelineDto>> ReadAsync(HttpClient client, string query)
        {
            using var response = await client.GetAsync(path + query, Ct);
            return await response.ReadAsync<List<TimelineDto>>();
        }

        // From the end, 100 at a time, until a page holds fewer: every entry once, in order.
        List<TimelineDto> all = [];
        var page = await ReadAsync(maya, "?limit=100");
        while (true)
        {
            page.Select(e => e.Sequence).ShouldBeInOrder(SortDirection.Ascending);
            all.InsertRange(0, page);
            if (page.Count < 100) break;
            page = await ReadAsync(maya, $"?limit=100&before={page[0].Sequence}");
        }
        all.Count.ShouldBe(272);
        all.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, 272));
        all.ShouldBe(await ReadAsync(maya, ""), "the same entries as the whole timeline, which stays the default");

        // A customer's limit counts what she may read.
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        (await ReadAsync(olivia, "?limit=3")).Select(e => e.Text).ShouldBe(["Bulk update 148", "Bulk update 149", "Bulk update 150"]);

        foreach (var (query, field) in new[] { ("?limit=0", "limit"), ("?limit=1001", "limit"), ("?before=0", "before") })
        {
            using var refused = await maya.GetAsync(path + query, Ct);
            (await refused.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey(field, query);
        }
    }

    [Fact]
    public async Task A_customer_pages_by_the_numbers_she_was_given_and_learns_nothing_of_internal_notes_in_between()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), $"Interleaved {Guid.NewGuid():N}", "Sev2");
        created.Dispose();
        for (var n = 1; n <= 6; n++)
        {
            await maya.AddNoteAsync(incident.Id, $"Update {n}", "Customer");
            for (var i = 0; i < n % 3; i++) await maya.AddNoteAsync(incident.Id, $"Internal after {n}.{i}", "Internal");
        }
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var path = $"/api/v1/incidents/{incident.Id}/timeline";
        async Task<List<TimelineDto>> ReadAsync(string query)
        {
            using var response = await olivia.GetAsync(path + query, Ct);
            return await response.ReadAsync<List<TimelineDto>>();
        }

        var whole = await ReadAsync("");
        whole.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, 7), "the opening and six updates, numbered without gaps");
        List<TimelineDto> paged = [];
        var page = await ReadAsync("?limit=2");
        while (true)
        {
            paged.InsertRange(0, page);
            if (page.Count < 2) break;
            page = await ReadAsync($"?limit=2&before={page[0].Sequence}");
        }
        paged.Select(e => e.Text).ShouldBe(whole.Select(e => e.Text), "every entry she may read, once, in order");
        foreach (var before in Enumerable.Range(2, 6))
            (await ReadAsync($"?before={before}")).Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, before - 1), $"before={before}");
    }

    [Fact]
    public async Task The_page_shows_the_newest_100_entries_says_older_ones_exist_and_shows_all_when_asked()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var incident = await LongIncidentAsync(maya);
        var path = $"/incidents/{incident.Id}";

        var page = await (await app.PageClientForAsync(DemoDirectory.Maya)).GetStringAsync(path, Ct);
        var shown = Entries(page);
        shown.Count.ShouldBe(100);
        shown[0].ShouldBe("Internal 120", "newest first");
        shown[^1].ShouldBe("Internal 21");
        page.ShouldContain("data-testid=\"older-entries\"");

        var all = Entries(await (await app.PageClientForAsync(DemoDirectory.Maya)).GetStringAsync(path + "?timeline=all", Ct));
        all.Count.ShouldBe(272, "the opening, the customer update, 150 summaries and 120 internal notes");
        all[^1].ShouldStartWith("Opened");

        // Olivia reads the MSP's own words, not 150 device summaries after them (her progress line counts the devices), and no
        // internal note, however many came after; the whole timeline has the summaries.
        var olivia = await (await app.PageClientForAsync(DemoDirectory.Olivia)).GetStringAsync(path, Ct);
        var hers = Entries(olivia);
        hers.Count.ShouldBe(2);
        hers[0].ShouldBe("Customer update before the rush");
        hers[1].ShouldStartWith("Opened");
        olivia.ShouldNotContain("data-testid=\"older-entries\"");
        olivia.ShouldContain("150 device updates are summed up in the progress above.");
        var hersAll = Entries(await (await app.PageClientForAsync(DemoDirectory.Olivia)).GetStringAsync(path + "?timeline=all", Ct));
        hersAll.Count.ShouldBe(152, "the opening, the customer update and the 150 summaries");
        hersAll[0].ShouldBe("Bulk update 150");
        hersAll.ShouldNotContain(e => e.StartsWith("Internal", StringComparison.Ordinal));

        // The API keeps returning the whole timeline.
        using var response = await maya.GetAsync($"/api/v1/incidents/{incident.Id}/timeline", Ct);
        (await response.ReadAsync<List<TimelineDto>>()).Count.ShouldBe(272);
    }
}

public sealed class LongTimelineOnSqlite(SqliteApp app) : LongTimelineTests(app), IClassFixture<SqliteApp>;

public sealed class LongTimelineOnPostgreSql(PostgresApp app) : LongTimelineTests(app), IClassFixture<PostgresApp>;
