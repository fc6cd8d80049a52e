namespace Portal.IntegrationTests.Escalations;

/// <summary>
/// The triage queue's "past a target" filter (<c>GET /api/v1/incidents?overdue=true</c>, the page's "Past a target"), on the
/// clock the test moves: a Sev1 still New after its acknowledgement was due is overdue, acknowledged it is not until its
/// resolution is due, and resolved never; a Sev4 of the same age is not. Targets are the MSP's: a customer is refused.
/// </summary>
public abstract class OverdueFilterTests(EscalationApp app)
{
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Overdue_lists_the_incidents_past_their_acknowledgement_or_resolution_target_and_nothing_else()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (sev1, c1) = await maya.CreateIncidentAsync(Northwind, $"Overdue check {tag} ticketing down", "Sev1");
        var (sev4, c4) = await maya.CreateIncidentAsync(Northwind, $"Overdue check {tag} wallpaper wrong", "Sev4");
        c1.Dispose();
        c4.Dispose();

        async Task<string[]> OverdueAsync(HttpClient client) =>
            [.. (await (await client.GetAsync($"/api/v1/incidents?overdue=true&q={tag}", Ct)).ReadAsync<PageDto>()).Items.Select(i => i.Reference)];
        async Task<string[]> AllAsync() => [.. (await (await maya.GetAsync($"/api/v1/incidents?q={tag}", Ct)).ReadAsync<PageDto>()).Items.Select(i => i.Reference)];

        (await OverdueAsync(maya)).ShouldBeEmpty("nothing is due yet");
        var page = await app.PageClientForAsync(DemoDirectory.Maya);
        (await page.GetStringAsync($"/triage?show=overdue&q={tag}", Ct)).ShouldContain("Nothing is past its target.");
        (await AllAsync()).Length.ShouldBe(2, "positive control: both are there without the filter");

        app.Clock.Advance(TimeSpan.FromMinutes(16)); // Sev1's acknowledgement was due at 15 minutes, Sev4's at a day
        (await OverdueAsync(maya)).ShouldBe([sev1.Reference]);
        // The page offers the same filter.
        var html = await page.GetStringAsync($"/triage?show=overdue&q={tag}", Ct);
        html.ShouldContain("Open incidents past a target in the");
        html.ShouldContain(sev1.Reference);
        html.ShouldNotContain(sev4.Reference);

        await maya.AcknowledgeAsync(sev1.Id);
        (await OverdueAsync(maya)).ShouldBeEmpty("acknowledged, and its resolution is due at 240 minutes");

        app.Clock.Advance(TimeSpan.FromMinutes(230)); // 246 minutes in: the resolution target has passed
        (await OverdueAsync(maya)).ShouldBe([sev1.Reference]);

        // Not Bluepeak's: the filter stays within what the user may see.
        (await OverdueAsync(await app.ClientForAsync(DemoDirectory.Ines))).ShouldBeEmpty();

        // A customer never learns the targets, not even from a filter.
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using var refused = await olivia.GetAsync($"/api/v1/incidents?overdue=true&q={tag}", Ct);
        (await refused.ReadProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldBe("Only your MSP sees targets and which incidents are past them.");
        (await (await olivia.GetAsync($"/api/v1/incidents?overdue=false&q={tag}", Ct)).ReadAsync<PageDto>()).Items.Length.ShouldBe(2, "overdue=false filters nothing");
        using var nonsense = await maya.GetAsync("/api/v1/incidents?overdue=soon", Ct);
        (await nonsense.ReadProblemAsync(HttpStatusCode.BadRequest)).Raw.ShouldContain("overdue");
    }
}

public sealed class OverdueFilterTestsOnSqlite(EscalationSqliteApp app) : OverdueFilterTests(app), IClassFixture<EscalationSqliteApp>;

public sealed class OverdueFilterTestsOnPostgreSql(EscalationPostgresApp app) : OverdueFilterTests(app), IClassFixture<EscalationPostgresApp>;
