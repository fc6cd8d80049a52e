using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Incidents;

/// <summary>
/// The incident page shows the newest 100 timeline entries (an RMM tool's bulk updates add one each, and the page is fetched
/// again on every change of the incident), says that older ones exist, and shows them all when asked. The newest are counted
/// after the reader's filter: a customer's 100 are the newest they may read, however many internal notes came after.
/// </summary>
public abstract partial class IncidentPageTimelineTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("""<ol class="timeline" reversed>(.*?)</ol>""", RegexOptions.Singleline)]
    private static partial Regex TimelineList();

    private static List<string> Entries(string html) =>
        [.. Regex.Matches(TimelineList().Match(html).Groups[1].Value, """<p class="entry-text">(.*?)</p>""").Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))];

    [Fact]
    public async Task The_page_shows_the_newest_100_entries_says_older_ones_exist_and_shows_all_when_asked()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), $"Long timeline {Guid.NewGuid():N}", "Sev2");
        created.Dispose();
        await maya.AddNoteAsync(incident.Id, "Customer update before the rush", "Customer");
        // Then a day of an RMM tool's bulk updates (a summary each, which the customer reads too), then 120 internal notes.
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

        // Olivia's newest 100 are the newest she may read: the summaries, however many internal notes came after them.
        var olivia = await (await app.PageClientForAsync(DemoDirectory.Olivia)).GetStringAsync(path, Ct);
        var hers = Entries(olivia);
        hers.Count.ShouldBe(100);
        hers[0].ShouldBe("Bulk update 150");
        hers[^1].ShouldBe("Bulk update 51");
        hers.ShouldNotContain(e => e.StartsWith("Internal", StringComparison.Ordinal));
        olivia.ShouldContain("data-testid=\"older-entries\"");

        // The API keeps returning the whole timeline.
        using var response = await maya.GetAsync($"/api/v1/incidents/{incident.Id}/timeline", Ct);
        (await response.ReadAsync<List<TimelineDto>>()).Count.ShouldBe(272);
    }
}

public sealed class IncidentPageTimelineOnSqlite(SqliteApp app) : IncidentPageTimelineTests(app), IClassFixture<SqliteApp>;

public sealed class IncidentPageTimelineOnPostgreSql(PostgresApp app) : IncidentPageTimelineTests(app), IClassFixture<PostgresApp>;
