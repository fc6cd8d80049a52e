using System.Net.Http.Headers;
using System.ServiceModel.Syndication;
using System.Xml;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Advisories;

/// <summary>
/// The public Atom feed of a provider's advisories: anonymous, parsed by a real Atom parser, an entry per advisory with its
/// status, severity, impact and updates, conditional requests answered 304, and no tenant named anywhere in it.
/// </summary>
public abstract class AdvisoryFeedTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;
    private string FeedUrl => $"/feeds/providers/{Sentinel}/advisories.atom";

    private async Task<AdvisoryDto> PublishWithUpdateAsync()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);
        var advisory = await priya.PublishAsync(Sentinel, "Channel file 291 crashes Windows hosts (feed)", [sensor.Id]);
        // A linked incident and an acknowledgement exist, so there is tenant data the feed could leak if it were careless.
        await app.AcknowledgeTargetAsync(advisory.Id, app.Demo.TenantId(DemoDirectory.Northwind));
        await app.LinkIncidentAsync(advisory.Id, app.Demo.TenantId(DemoDirectory.Northwind), total: 3, done: 1);
        return await priya.PostUpdateAsync(advisory.Id, "Identified", "Roll back channel file **291**. <script>alert(1)</script>");
    }

    [Fact]
    public async Task The_feed_parses_as_atom_and_carries_each_advisory_with_its_updates_and_no_tenant()
    {
        var advisory = await PublishWithUpdateAsync();

        using var client = app.Anonymous();
        using var response = await client.GetAsync(FeedUrl, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/atom+xml");
        response.Headers.CacheControl!.Public.ShouldBeTrue();
        response.Headers.CacheControl.MaxAge.ShouldNotBeNull().ShouldBeLessThanOrEqualTo(TimeSpan.FromMinutes(5));
        response.Headers.ETag.ShouldNotBeNull();

        using var reader = XmlReader.Create(new StringReader(text));
        var formatter = new Atom10FeedFormatter();
        formatter.CanRead(reader).ShouldBeTrue("an Atom 1.0 document");
        var feed = SyndicationFeed.Load(reader);
        feed.Title.Text.ShouldBe("Sentinel Shield Security advisories");
        var entry = feed.Items.Single(i => i.Id == $"urn:uuid:{advisory.Id}");
        entry.Title.Text.ShouldBe($"[Identified] {advisory.Title}");
        entry.LastUpdatedTime.ShouldBe(advisory.UpdatedAt, TimeSpan.FromSeconds(1));
        entry.Categories.Select(c => c.Name).ShouldBe(["Sev1", "Identified"], ignoreOrder: true);
        var content = ((TextSyndicationContent)entry.Content).Text;
        content.ShouldContain(advisory.Impact);
        content.ShouldContain("<strong>291</strong>", Case.Sensitive, "the update's Markdown, rendered");
        content.ShouldContain("Published: ");
        content.ShouldNotContain("<script", Case.Insensitive);

        // No customer tenant, MSP, person of theirs or incident reference is named anywhere in the document.
        var reference = await app.QueryAsync(db => db.Incidents.Where(i => i.AdvisoryId == advisory.Id).Select(i => i.Reference).SingleAsync());
        foreach (var org in app.Demo.Organisations.Where(o => o.Kind is OrganisationKind.Customer or OrganisationKind.Msp))
        {
            text.ShouldNotContain(org.Name, Case.Insensitive, $"the feed names {org.Name}");
            text.ShouldNotContain(org.Id.ToString(), Case.Insensitive);
        }
        foreach (var user in app.Demo.Users.Where(u => !u.Email.EndsWith("@sentinelshield.example", StringComparison.Ordinal)))
            text.ShouldNotContain(user.Email, Case.Insensitive);
        text.ShouldNotContain(reference);
    }

    [Fact]
    public async Task Control_characters_are_refused_on_the_way_in_and_text_saved_before_that_leaves_the_feed_readable()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);

        // U+000B is what a word processor's manual line break pastes as; XML cannot carry it at all.
        foreach (var (body, field) in new (object, string)[]
        {
            (new { title = "Sensor\u000Bcrash", severity = "Sev1", impact = "Hosts fail to start.", serviceIds = new[] { sensor.Id } }, "title"),
            (new { title = "Sensor crash\non boot", severity = "Sev1", impact = "Hosts fail to start.", serviceIds = new[] { sensor.Id } }, "title"),
            (new { title = "Sensor crash", severity = "Sev1", impact = "Hosts\u0001 fail to start.", serviceIds = new[] { sensor.Id } }, "impact"),
        })
        {
            using var refused = await priya.PostAdvisoryAsync(Sentinel, body);
            var problem = await refused.ReadProblemAsync(HttpStatusCode.BadRequest);
            problem.Errors.ShouldContainKey(field, problem.Raw);
            problem.Errors[field].ShouldContain(m => m.Contains("control character", StringComparison.Ordinal), problem.Raw);
        }
        var advisory = await priya.PublishAsync(Sentinel, "Channel file crash, multi-line update (feed)", [sensor.Id]);
        using (var update = await priya.PostJsonAsync($"/api/v1/advisories/{advisory.Id}/updates", new { status = "Identified", text = "Roll back\u000B now." }))
            (await update.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("text");
        // Lines and tabs are text: an update of several lines is taken as written.
        var accepted = await priya.PostUpdateAsync(advisory.Id, "Identified", "1. Boot to safe mode\n2. Delete the file\r\n\tthen reboot");
        accepted.Updates.ShouldContain(u => u.Text == "1. Boot to safe mode\n2. Delete the file\r\n\tthen reboot");

        // Text an older Portal saved before the rule, written here past the entities: the feed leaves the characters out.
        await app.QueryAsync(db => db.Advisories.Where(a => a.Id == advisory.Id).ExecuteUpdateAsync(u => u
            .SetProperty(a => a.Title, "Channel file\u000B crash (feed)").SetProperty(a => a.Impact, "Hosts\u0001 fail\u000B to start.")
            .SetProperty(a => a.UpdatedAt, DateTimeOffset.UtcNow), Ct));
        await app.QueryAsync(db => db.AdvisoryUpdates.Where(u => u.AdvisoryId == advisory.Id).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.Text, "Roll back\u000B now.\u0002"), Ct));

        using var client = app.Anonymous();
        using var response = await client.GetAsync(FeedUrl, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        using var reader = XmlReader.Create(new StringReader(text));
        var entry = SyndicationFeed.Load(reader).Items.Single(i => i.Id == $"urn:uuid:{advisory.Id}");
        entry.Title.Text.ShouldBe("[Identified] Channel file crash (feed)");
        entry.Summary.Text.ShouldBe("Hosts fail to start.");
        ((TextSyndicationContent)entry.Content).Text.ShouldContain("Roll back now.");
    }

    [Fact]
    public async Task The_etag_round_trip_answers_304_until_something_changes()
    {
        await PublishWithUpdateAsync();
        using var client = app.Anonymous();
        using var first = await client.GetAsync(FeedUrl, Ct);
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var etag = first.Headers.ETag!;

        using (var again = new HttpRequestMessage(HttpMethod.Get, FeedUrl))
        {
            again.Headers.IfNoneMatch.Add(etag);
            using var notModified = await client.SendAsync(again, Ct);
            notModified.StatusCode.ShouldBe(HttpStatusCode.NotModified);
            (await notModified.Content.ReadAsByteArrayAsync(Ct)).ShouldBeEmpty();
            notModified.Headers.ETag.ShouldBe(etag);
        }
        using (var weak = new HttpRequestMessage(HttpMethod.Get, FeedUrl))
        {
            weak.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag.Tag, isWeak: true));
            using var notModified = await client.SendAsync(weak, Ct);
            notModified.StatusCode.ShouldBe(HttpStatusCode.NotModified, "If-None-Match compares weakly");
        }

        // An update changes the feed: the old ETag no longer matches.
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var latest = (await (await priya.GetAsync($"/api/v1/advisories?providerId={Sentinel}", Ct)).ReadAsync<AdvisorySummaryDto[]>()).First();
        await priya.PostUpdateAsync(latest.Id, "Monitoring", "Most hosts are back.");
        using var stale = new HttpRequestMessage(HttpMethod.Get, FeedUrl);
        stale.Headers.IfNoneMatch.Add(etag);
        using var changed = await client.SendAsync(stale, Ct);
        changed.StatusCode.ShouldBe(HttpStatusCode.OK);
        changed.Headers.ETag.ShouldNotBe(etag);
        (await changed.Content.ReadAsStringAsync(Ct)).ShouldContain("Most hosts are back.");
    }

    [Fact]
    public async Task An_unknown_provider_or_a_tenant_id_is_a_404_problem_and_another_provider_feed_holds_only_its_own()
    {
        using var client = app.Anonymous();
        foreach (var id in new[] { Guid.NewGuid(), app.Demo.TenantId(DemoDirectory.Northwind), app.Demo.Org("Harbor IT Partners").Id })
        {
            using var response = await client.GetAsync($"/feeds/providers/{id}/advisories.atom", Ct);
            (await response.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such provider");
        }

        await PublishWithUpdateAsync();
        var nimbus = app.Demo.Org("Nimbus Cloud").Id;
        using var other = await client.GetAsync($"/feeds/providers/{nimbus}/advisories.atom", Ct);
        var text = await other.Content.ReadAsStringAsync(Ct);
        other.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        using var reader = XmlReader.Create(new StringReader(text));
        SyndicationFeed.Load(reader).Items.ShouldAllBe(i => !i.Title.Text.Contains("(feed)"));
    }
}

public sealed class AdvisoryFeedTestsOnSqlite(SqliteApp app) : AdvisoryFeedTests(app), IClassFixture<SqliteApp>;

public sealed class AdvisoryFeedTestsOnPostgreSql(PostgresApp app) : AdvisoryFeedTests(app), IClassFixture<PostgresApp>;
