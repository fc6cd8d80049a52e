using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Portal.Domain;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>The MSP lead edits the escalation levels on the Escalations page in a browser; an engineer reads them.</summary>
public sealed class EscalationPageTests(PortalApp app)
{
    [Fact]
    public async Task The_lead_adds_a_level_in_a_blank_row_a_refusal_shows_in_the_banner_and_an_engineer_reads_the_result()
    {
        // The channel the new level names is one of Harbor's endpoints (a level may name only those).
        var harborId = await app.ReadAsync(db => db.Organisations.Where(o => o.Name == "Harbor IT Partners").Select(o => o.Id).SingleAsync());
        using (var endpoint = await (await app.ApiClientAsync("liam@harborit.example")).PostAsJsonAsync($"/api/v1/msps/{harborId}/notification-endpoints",
                   new { channel = "Webhook", name = "ops-pager", url = "http://127.0.0.1:9/ops-pager" }, TestContext.Current.CancellationToken))
            endpoint.EnsureSuccessStatusCode();
        var liam = await app.SignInAsync("Liam O'Brien"); // Harbor IT Partners, MspLead
        await liam.GotoAsync("/escalations");
        var levels = liam.GetByRole(AriaRole.Form, new() { Name = "Levels" });
        var rows = levels.Locator("tbody tr");
        var stored = await rows.CountAsync();
        stored.ShouldBeGreaterThan(1, "the stored levels and blank rows");

        // The first blank row: a resolution level 45 minutes after the breach, every engineer and a channel.
        var blank = stored - 2; // two blank rows follow the stored levels
        var row = rows.Nth(blank);
        await Expect(row.GetByLabel($"Level row {blank + 1}: minutes after the breach")).ToHaveValueAsync("");
        await row.GetByLabel($"Level row {blank + 1}: kind").SelectOptionAsync("Resolve");
        await row.GetByLabel($"Level row {blank + 1}: minutes after the breach").FillAsync("45");
        await row.GetByLabel("every MSP engineer").CheckAsync();
        await row.GetByLabel($"Level row {blank + 1}: channels").FillAsync("ops-pager");
        await levels.GetByRole(AriaRole.Button, new() { Name = "Save levels" }).ClickAsync();
        await Expect(liam.GetByTestId("banner")).ToContainTextAsync("Levels saved");

        Task<IReadOnlyList<EscalationLevel>> StoredLevelsAsync() => app.ReadAsync(async db =>
        {
            var harbor = await db.Organisations.Where(o => o.Name == "Harbor IT Partners").Select(o => o.Id).SingleAsync();
            return (await db.EscalationPolicies.AsNoTracking().SingleAsync(p => p.MspId == harbor)).Levels;
        });
        var saved = await StoredLevelsAsync();
        var added = saved.Single(l => l.AfterMinutes == 45);
        (added.Kind, added.Roles.Single(), added.Channels.Single(), added.OnCall).ShouldBe((EscalationKind.Resolve, Role.MspEngineer, "ops-pager", false));
        saved.Count.ShouldBe(stored - 1, "the stored levels and the new one; the other blank row added nothing");

        // Two levels of one kind at the same minute: refused in the banner, the form keeps what was typed, nothing is saved.
        var first = rows.Nth(0);
        var second = rows.Nth(1);
        var kind = await first.GetByLabel("Level row 1: kind").InputValueAsync();
        await second.GetByLabel("Level row 2: kind").SelectOptionAsync(kind);
        var minutes = await first.GetByLabel("Level row 1: minutes after the breach").InputValueAsync();
        await second.GetByLabel("Level row 2: minutes after the breach").FillAsync(minutes);
        await levels.GetByRole(AriaRole.Button, new() { Name = "Save levels" }).ClickAsync();
        await Expect(liam.GetByTestId("banner")).ToContainTextAsync("levels must ascend");
        await Expect(liam.GetByRole(AriaRole.Form, new() { Name = "Levels" }).GetByLabel("Level row 2: minutes after the breach")).ToHaveValueAsync(minutes);
        Describe(await StoredLevelsAsync()).ShouldBe(Describe(saved));

        // An engineer of the MSP reads the levels, with no form to change them.
        var maya = await app.SignInAsync("Maya Chen");
        await maya.GotoAsync("/escalations");
        await Expect(maya.Locator("[data-levels]")).ToContainTextAsync("45 min after the breach");
        await Expect(maya.Locator("[data-levels]")).ToContainTextAsync("channel ops-pager");
        await Expect(maya.GetByRole(AriaRole.Button, new() { Name = "Save levels" })).ToHaveCountAsync(0);
    }

    private static string Describe(IEnumerable<EscalationLevel> levels) => string.Join("; ", levels.Select(l =>
        $"{l.Kind} {l.Level} at {l.AfterMinutes}: {string.Join(",", l.UserIds)} / {string.Join(",", l.Roles)} / {l.OnCall} / {string.Join(",", l.Channels)}"));
}
