using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.IntegrationTests.Escalations;

/// <summary>The triage queue's countdown and breached badge, and the MSP's Escalations page (engineers read, the lead edits, others: not found).</summary>
public sealed partial class EscalationPagesTests(EscalationSqliteApp app) : IClassFixture<EscalationSqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpClient> SignedInAsync(string email) => app.PageClientForAsync(email);

    [Fact]
    public async Task The_triage_queue_counts_down_to_the_due_time_then_shows_breached()
    {
        var title = $"Countdown {Guid.NewGuid():N}";
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), title, "Sev1");
        created.Dispose();
        var page = await SignedInAsync(DemoDirectory.Maya);

        var before = await page.GetStringAsync($"/triage?q={title}", Ct);
        before.ShouldContain("Next due");
        // Opened a moment before the page read the clock: 14 or 15 minutes left, never breached.
        Regex.IsMatch(before, "acknowledge in 1[45] min").ShouldBeTrue(before[Math.Max(0, before.IndexOf("class=\"due\"", StringComparison.Ordinal))..]);
        before.ShouldNotContain("data-breached");

        app.Clock.Advance(TimeSpan.FromMinutes(16));
        var after = await page.GetStringAsync($"/triage?q={title}", Ct);
        after.ShouldContain("data-breached=\"Acknowledge\"");
        Regex.IsMatch(after, "acknowledge (1 min|[0-9]+ s) ago").ShouldBeTrue();
        incident.Reference.ShouldNotBeNullOrEmpty();
    }

    /// <summary>The text of one fact on the incident page (its &lt;dd data-testid&gt;), tags dropped and spaces collapsed.</summary>
    private static string Fact(string html, string testId)
    {
        var cell = Regex.Match(html, $"data-testid=\"{testId}\">(.*?)</dd>", RegexOptions.Singleline);
        cell.Success.ShouldBeTrue($"no {testId} on the page");
        return Regex.Replace(System.Net.WebUtility.HtmlDecode(Regex.Replace(cell.Groups[1].Value, "<[^>]+>", "")), @"\s+", " ").Trim();
    }

    /// <summary>A time as the page writes it: the day too when it is not today (a clock the tests move can cross midnight).</summary>
    private const string At = @"(\d{1,2} [A-Z][a-z]{2} )?\d\d:\d\d UTC";

    [Fact]
    public async Task The_incident_page_shows_the_engineer_each_target_running_breached_or_missed_and_the_levels_fired()
    {
        // Bluepeak's tenant: its policy is the default one, which another test here does not edit (Harbor's loses its levels).
        var ines = await app.ClientForAsync(DemoDirectory.Ines);
        var (incident, created) = await ines.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Woodgrove), $"Clock on the page {Guid.NewGuid():N}", "Sev1");
        created.Dispose();
        var page = await SignedInAsync(DemoDirectory.Ines);
        var path = $"/incidents/{incident.Id}";

        var fresh = await page.GetStringAsync(path, Ct);
        Fact(fresh, "acknowledge-target").ShouldMatch(@$"^{At} \(in 1[45] min\)$");
        Fact(fresh, "resolve-target").ShouldMatch(@$"^{At} \(in (3 h 59|4 h 0) min\)$");
        Fact(fresh, "escalation-state").ShouldMatch(@$"^No level fired; the next at {At}$");

        // Nobody acknowledged it within the Sev1's 15 minutes: breached, and level 1 has fired.
        app.Clock.Advance(TimeSpan.FromMinutes(16));
        await app.RunJobAsync(incident.Id, incident.TenantId);
        var breached = await page.GetStringAsync(path, Ct);
        breached.ShouldContain("data-breached=\"Acknowledge\"");
        Fact(breached, "acknowledge-target").ShouldMatch(@$"^{At} Breached 1 min ago$");
        Fact(breached, "escalation-state").ShouldMatch(@$"^1 level fired; the next at {At}$");

        // Acknowledged late: the target says by how much; resolution is still running.
        await ines.AcknowledgeAsync(incident.Id);
        var late = await page.GetStringAsync(path, Ct);
        Fact(late, "acknowledge-target").ShouldMatch(@$"^{At} · missed by 1 min$");
        Fact(late, "resolve-target").ShouldMatch(@$"\(in 3 h 4[34] min\)$");
        late.ShouldNotContain("data-breached");

        // The clock is the MSP's: the customer's view of the same incident has none of it.
        var hana = await (await SignedInAsync(DemoDirectory.Hana)).GetStringAsync(path, Ct);
        hana.ShouldContain(incident.Reference);
        hana.ShouldNotContain("acknowledge-target");
        hana.ShouldNotContain("escalation-state");
    }

    [Fact]
    public async Task Engineers_read_the_escalations_page_the_lead_edits_and_a_customer_finds_nothing()
    {
        var maya = await SignedInAsync(DemoDirectory.Maya);
        var read = await maya.GetStringAsync("/escalations", Ct);
        read.ShouldContain("On call now");
        read.ShouldContain("Acknowledge Sev1 within minutes");
        read.ShouldNotContain("Save targets");
        // The demo's Harbor rotation began this week with Maya (Sam's week, if the test clock has just been moved past Monday
        // 09:00 in London); Bluepeak has none yet.
        Regex.Match(read, "data-on-call=\"([^\"]+)\"").Groups[1].Value
            .ShouldBeOneOf(app.Demo.User(DemoDirectory.Maya).Id.ToString(), app.Demo.User(DemoDirectory.Sam).Id.ToString());
        System.Net.WebUtility.HtmlDecode(read).ShouldContain("Hand-off every Monday at 09:00 (Europe/London), in this order: Maya Chen → Sam Okafor → Liam O'Brien.");
        read.ShouldNotContain("No rotation yet");
        var ines = await (await SignedInAsync(DemoDirectory.Ines)).GetStringAsync("/escalations", Ct);
        ines.ShouldContain("No rotation yet: nobody is on call until your MSP lead sets one up here.");
        ines.ShouldContain("Nobody: there is no rotation yet");

        var liam = await SignedInAsync(DemoDirectory.Liam);
        var edit = await liam.GetStringAsync("/escalations", Ct);
        edit.ShouldContain("Save targets");
        edit.ShouldContain("Save rotation");

        // The lead sees which names a level's Channels can use: the MSP's endpoints.
        var endpoint = $"pager-{Guid.NewGuid():N}"[..12];
        using (var created = await (await app.ClientForAsync(DemoDirectory.Liam)).PostJsonAsync($"/api/v1/msps/{app.HarborId}/notification-endpoints",
                   new { channel = "Webhook", name = endpoint, url = "https://hooks.harbor.example/portal" }))
            created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Ct));
        System.Text.RegularExpressions.Regex.Match(await liam.GetStringAsync("/escalations", Ct), "data-testid=\"endpoint-names\">([^<]*)<").Groups[1].Value
            .Split(", ").ShouldContain(endpoint);

        var olivia = await SignedInAsync(DemoDirectory.Olivia);
        using var response = await olivia.GetAsync("/escalations", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_lead_gives_a_shift_to_someone_else_in_the_rotations_time_zone_and_takes_it_back_and_an_engineer_may_not()
    {
        var liam = await SignedInAsync(DemoDirectory.Liam);
        var page = await liam.GetStringAsync("/escalations", Ct);
        page.ShouldContain("Give a shift to someone else");
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        static async Task<HttpResponseMessage> PostAsync(HttpClient client, string token, string handler, params (string Name, string Value)[] fields) =>
            await client.PostAsync($"/escalations?handler={handler}",
                new FormUrlEncodedContent([new("__RequestVerificationToken", token), .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]), Ct);

        // A night shift ten days ahead (clear of "now", which other tests here read), in Harbor's rotation zone, Europe/London.
        var london = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        var day = TimeZoneInfo.ConvertTime(app.Clock.GetUtcNow(), london).Date.AddDays(10);
        var (from, to) = (day.AddHours(20), day.AddDays(1).AddHours(8));
        var sam = app.Demo.User(DemoDirectory.Sam).Id;
        var form = new[] { ("Override.UserId", sam.ToString()), ("Override.From", $"{from:yyyy-MM-ddTHH:mm}"), ("Override.To", $"{to:yyyy-MM-ddTHH:mm}") };
        using (var added = await PostAsync(liam, token, "Override", form))
            added.StatusCode.ShouldBe(HttpStatusCode.Redirect, await added.Content.ReadAsStringAsync(Ct));

        var api = await app.ClientForAsync(DemoDirectory.Liam);
        var expectedFrom = new DateTimeOffset(from, london.GetUtcOffset(from));
        var atNight = expectedFrom.AddHours(3).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        using (var onCall = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/msps/{app.HarborId}/on-call?at={atNight}", Ct)))
        {
            onCall.RootElement.GetProperty("onCall").GetProperty("id").GetGuid().ShouldBe(sam, "Sam has the night, read as London time");
            onCall.RootElement.GetProperty("isOverride").GetBoolean().ShouldBeTrue();
        }
        var shown = await liam.GetStringAsync("/escalations", Ct);
        var item = Regex.Match(shown, "<li data-override=\"([^\"]+)\">(.*?)</li>", RegexOptions.Singleline);
        item.Success.ShouldBeTrue();
        var text = Regex.Replace(Regex.Replace(System.Net.WebUtility.HtmlDecode(item.Groups[2].Value), "<[^>]+>", " "), @"\s+", " ");
        text.ShouldContain($"from {from:yyyy-MM-dd HH:mm}");
        text.ShouldContain($"to {to:yyyy-MM-dd HH:mm}");

        // Refusals come back on the page: an end before the start beside the form, an overlapping shift in the banner.
        using (var backwards = await PostAsync(liam, token, "Override", ("Override.UserId", sam.ToString()), ("Override.From", $"{to:yyyy-MM-ddTHH:mm}"), ("Override.To", $"{from:yyyy-MM-ddTHH:mm}")))
        {
            backwards.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await backwards.Content.ReadAsStringAsync(Ct)).ShouldContain("class=\"field-error wide\">to must be after from.");
        }
        using (var overlap = await PostAsync(liam, token, "Override", form))
        {
            overlap.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await overlap.Content.ReadAsStringAsync(Ct)).ShouldContain("overlaps the override");
        }

        // An engineer reads the overrides but has no form, and her post is refused.
        var maya = await SignedInAsync(DemoDirectory.Maya);
        var hers = await maya.GetStringAsync("/escalations", Ct);
        hers.ShouldContain($"data-override=\"{item.Groups[1].Value}\"");
        hers.ShouldNotContain("Give a shift to someone else");
        using (var refused = await PostAsync(maya, AntiforgeryToken().Match(hers).Groups[1].Value, "RemoveOverride&overrideId=" + item.Groups[1].Value))
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using (var removed = await PostAsync(liam, token, "RemoveOverride&overrideId=" + item.Groups[1].Value))
            removed.StatusCode.ShouldBe(HttpStatusCode.Redirect, await removed.Content.ReadAsStringAsync(Ct));
        (await liam.GetStringAsync("/escalations", Ct)).ShouldNotContain($"data-override=\"{item.Groups[1].Value}\"");
        using (var onCall = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/msps/{app.HarborId}/on-call?at={atNight}", Ct)))
            onCall.RootElement.GetProperty("isOverride").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task The_lead_sets_a_tenants_contract_targets_on_the_page_looser_ones_are_refused_and_blank_returns_it_to_the_policy()
    {
        // Tailspin: no other test here reads its clocks.
        var tailspin = app.Demo.Organisations.Single(o => o.Name == "Tailspin Logistics").Id;
        var liam = await SignedInAsync(DemoDirectory.Liam);
        var page = await liam.GetStringAsync("/escalations", Ct);
        page.ShouldContain($"data-tenant=\"{tailspin}\"");
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        // As the form posts: a row per severity, those not named here blank.
        async Task<HttpResponseMessage> SaveAsync(HttpClient client, string antiforgery, params (int Row, string Severity, string Ack, string Resolve)[] rows) =>
            await client.PostAsync("/escalations?handler=TenantTargets", new FormUrlEncodedContent(
                [new("__RequestVerificationToken", antiforgery), new("TargetsTenant", tailspin.ToString()),
                 .. Enumerable.Range(0, 4)
                     .Select(i => rows.Any(r => r.Row == i) ? rows.Single(r => r.Row == i) : (Row: i, Severity: $"Sev{i + 1}", Ack: "", Resolve: ""))
                     .SelectMany(r => new KeyValuePair<string, string>[]
                     {
                         new($"TenantTargets[{r.Row}].Severity", r.Severity), new($"TenantTargets[{r.Row}].AcknowledgeMinutes", r.Ack),
                         new($"TenantTargets[{r.Row}].ResolveMinutes", r.Resolve),
                     })]), Ct);
        async Task<JsonElement> RowAsync()
        {
            var json = await (await app.ClientForAsync(DemoDirectory.Liam)).GetStringAsync($"/api/v1/msps/{app.HarborId}/escalation-targets", Ct);
            return JsonDocument.Parse(json).RootElement.EnumerateArray().Single(r => r.GetProperty("tenantId").GetGuid() == tailspin).Clone();
        }

        using (var saved = await SaveAsync(liam, token, (0, "Sev1", "5", "60"), (1, "Sev2", "", "")))
            saved.StatusCode.ShouldBe(HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync(Ct));
        var row = await RowAsync();
        var tightened = row.GetProperty("tightened").EnumerateArray().ShouldHaveSingleItem();
        (tightened.GetProperty("severity").GetString(), tightened.GetProperty("acknowledgeMinutes").GetInt32(), tightened.GetProperty("resolveMinutes").GetInt32())
            .ShouldBe(("Sev1", 5, 60));
        var sev1 = row.GetProperty("effective").EnumerateArray().Single(t => t.GetProperty("severity").GetString() == "Sev1");
        (sev1.GetProperty("acknowledgeMinutes").GetInt32(), sev1.GetProperty("resolveMinutes").GetInt32()).ShouldBe((5, 60));
        (await liam.GetStringAsync("/escalations", Ct)).ShouldContain("name=\"TenantTargets[0].AcknowledgeMinutes\" value=\"5\"");

        using (var looser = await SaveAsync(liam, token, (1, "Sev2", "100000", "100000")))
        {
            looser.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await looser.Content.ReadAsStringAsync(Ct)).ShouldContain("may only tighten");
        }
        (await RowAsync()).GetProperty("tightened").GetArrayLength().ShouldBe(1, "a refused save changes nothing");

        // An engineer reads the targets in effect, without the form; her post is refused.
        var maya = await SignedInAsync(DemoDirectory.Maya);
        var hers = await maya.GetStringAsync("/escalations", Ct);
        hers.ShouldContain("Sev1 5 / 60 min");
        hers.ShouldNotContain($"data-tenant=\"{tailspin}\"");
        using (var refused = await SaveAsync(maya, AntiforgeryToken().Match(hers).Groups[1].Value, (0, "Sev1", "1", "1")))
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using (var cleared = await SaveAsync(liam, token, (0, "Sev1", "", "")))
            cleared.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await RowAsync()).GetProperty("tightened").GetArrayLength().ShouldBe(0, "all blank: the policy's targets again");
    }

    private static async Task<(HttpStatusCode Status, string Html, string? Location)> PostLevelsAsync(HttpClient client, string token, params (string Name, string Value)[] fields)
    {
        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", token), .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]);
        using var response = await client.PostAsync("/escalations?handler=Levels", form, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response.Headers.Location?.ToString());
    }

    private async Task<string> PolicyJsonAsync()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        return await liam.GetStringAsync($"/api/v1/msps/{app.HarborId}/escalation-policy", Ct);
    }

    private static readonly string[] LevelChannels = ["ops-pager", "teams-night"];

    [Fact]
    public async Task The_lead_edits_the_levels_on_the_page_through_the_policy_command_and_refusals_show_on_the_form()
    {
        // The channels the levels name are Harbor's endpoints (a level may name only those; other tests of the class may have added them).
        var api = await app.ClientForAsync(DemoDirectory.Liam);
        var existing = await api.GetStringAsync($"/api/v1/msps/{app.HarborId}/notification-endpoints", Ct);
        foreach (var name in LevelChannels.Where(n => !existing.Contains($"\"{n}\"", StringComparison.Ordinal)))
            using (var created = await api.PostJsonAsync($"/api/v1/msps/{app.HarborId}/notification-endpoints", new { channel = "Webhook", name, url = $"http://127.0.0.1:9/{name}" }))
                created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var liam = await SignedInAsync(DemoDirectory.Liam);
        var page = await liam.GetStringAsync("/escalations", Ct);
        page.ShouldContain("Save levels");
        page.ShouldContain("name=\"Levels[0].AfterMinutes\"");
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        var sam = app.Demo.User(DemoDirectory.Sam);

        // Out of order, one removed, one blank: saved per kind in the order of the minutes, removed and blank rows dropped.
        var (status, html, location) = await PostLevelsAsync(liam, token,
            ("Levels[0].Kind", "Acknowledge"), ("Levels[0].AfterMinutes", "0"), ("Levels[0].OnCall", "true"),
            ("Levels[1].Kind", "Acknowledge"), ("Levels[1].AfterMinutes", "20"), ("Levels[1].Roles", "MspLead"), ("Levels[1].Channels", "ops-pager, teams-night"),
            ("Levels[2].Kind", "Acknowledge"), ("Levels[2].AfterMinutes", "10"), ("Levels[2].Users", sam.Id.ToString()),
            ("Levels[3].Kind", "Resolve"), ("Levels[3].AfterMinutes", "0"), ("Levels[3].Roles", "MspLead"), ("Levels[3].Remove", "true"),
            ("Levels[4].Kind", "Resolve"), ("Levels[4].AfterMinutes", "60"), ("Levels[4].Roles", "MspEngineer"), ("Levels[4].Roles", "MspLead"),
            ("Levels[5].Kind", "Acknowledge"), ("Levels[5].AfterMinutes", ""), ("Levels[5].Channels", ""));
        status.ShouldBe(HttpStatusCode.Redirect, html);
        location.ShouldBe("/escalations");

        using (var policy = JsonDocument.Parse(await PolicyJsonAsync()))
        {
            policy.RootElement.GetProperty("updatedBy").GetString().ShouldBe(app.Demo.User(DemoDirectory.Liam).Name);
            var levels = policy.RootElement.GetProperty("levels").EnumerateArray().Select(l => (
                Kind: l.GetProperty("kind").GetString(), Level: l.GetProperty("level").GetInt32(), After: l.GetProperty("afterMinutes").GetInt32(),
                Users: string.Join(",", l.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("id").GetGuid())),
                Roles: string.Join(",", l.GetProperty("roles").EnumerateArray().Select(r => r.GetString())), OnCall: l.GetProperty("onCall").GetBoolean(),
                Channels: string.Join(",", l.GetProperty("channels").EnumerateArray().Select(c => c.GetString())))).ToList();
            levels.ShouldBe(
            [
                ("Acknowledge", 1, 0, "", "", true, ""),
                ("Acknowledge", 2, 10, sam.Id.ToString(), "", false, ""),
                ("Acknowledge", 3, 20, "", "MspLead", false, "ops-pager,teams-night"),
                ("Resolve", 1, 60, "", "MspEngineer,MspLead", false, ""),
            ]);
        }
        var saved = await PolicyJsonAsync();
        var again = await liam.GetStringAsync("/escalations", Ct);
        again.ShouldContain("Levels saved.");
        again.ShouldContain("value=\"ops-pager, teams-night\"");
        Regex.IsMatch(again, $"name=\"Levels\\[1\\]\\.Users\" value=\"{sam.Id}\" checked").ShouldBeTrue("Sam is ticked on the second row");

        // Two levels at the same minute: the domain's refusal in the banner, the form as sent, nothing saved.
        (status, html, _) = await PostLevelsAsync(liam, token,
            ("Levels[0].Kind", "Acknowledge"), ("Levels[0].AfterMinutes", "10"), ("Levels[0].OnCall", "true"),
            ("Levels[1].Kind", "Acknowledge"), ("Levels[1].AfterMinutes", "10"), ("Levels[1].Roles", "MspLead"));
        status.ShouldBe(HttpStatusCode.BadRequest);
        html.ShouldContain("levels must ascend");
        html.ShouldContain("data-testid=\"banner\"");
        (await PolicyJsonAsync()).ShouldBe(saved);

        // A row that names someone but no minutes: the validator's message on that row of the form (row 3, though it is the command's second level).
        (status, html, _) = await PostLevelsAsync(liam, token,
            ("Levels[0].Kind", "Acknowledge"), ("Levels[0].AfterMinutes", "0"), ("Levels[0].OnCall", "true"),
            ("Levels[1].Kind", "Acknowledge"), ("Levels[1].AfterMinutes", ""),
            ("Levels[2].Kind", "Resolve"), ("Levels[2].AfterMinutes", ""), ("Levels[2].Roles", "MspLead"));
        status.ShouldBe(HttpStatusCode.BadRequest);
        html.ShouldContain("Check the fields marked below");
        Regex.IsMatch(html, "name=\"Levels\\[2\\]\\.AfterMinutes\"[^>]*aria-invalid=\"true\"").ShouldBeTrue("row 3's minutes are marked");
        Regex.IsMatch(html, "name=\"Levels\\[1\\]\\.AfterMinutes\"[^>]*aria-invalid=\"true\"").ShouldBeFalse("the blank row is not");
        html.ShouldContain("afterMinutes is required");
        (await PolicyJsonAsync()).ShouldBe(saved);

        // A channel that is no endpoint name: refused by the domain, named in the banner.
        (status, html, _) = await PostLevelsAsync(liam, token, ("Levels[0].Kind", "Resolve"), ("Levels[0].AfterMinutes", "0"), ("Levels[0].Channels", "Ops_Pager"));
        status.ShouldBe(HttpStatusCode.BadRequest);
        html.ShouldContain("Ops_Pager");
        (await PolicyJsonAsync()).ShouldBe(saved);

        // An engineer reads the levels and has no form; posting it anyway is refused.
        var maya = await SignedInAsync(DemoDirectory.Maya);
        var read = await maya.GetStringAsync("/escalations", Ct);
        read.ShouldNotContain("Save levels");
        read.ShouldNotContain("name=\"Levels[0].AfterMinutes\"");
        Regex.IsMatch(read, @"10 min after the breach:\s+" + Regex.Escape(sam.Name)).ShouldBeTrue("the read-only list names Sam at 10 minutes");
        read.ShouldContain("channel ops-pager");
        (status, _, _) = await PostLevelsAsync(maya, AntiforgeryToken().Match(read).Groups[1].Value,
            ("Levels[0].Kind", "Acknowledge"), ("Levels[0].AfterMinutes", "0"), ("Levels[0].OnCall", "true"));
        status.ShouldBe(HttpStatusCode.Forbidden);
        (await PolicyJsonAsync()).ShouldBe(saved);

        // Every row removed: no levels (the targets stay), and the engineer reads that nobody is notified.
        (status, html, _) = await PostLevelsAsync(liam, token,
            ("Levels[0].Kind", "Acknowledge"), ("Levels[0].AfterMinutes", "0"), ("Levels[0].OnCall", "true"), ("Levels[0].Remove", "true"));
        status.ShouldBe(HttpStatusCode.Redirect, html);
        using (var policy = JsonDocument.Parse(await PolicyJsonAsync()))
        {
            policy.RootElement.GetProperty("levels").GetArrayLength().ShouldBe(0);
            policy.RootElement.GetProperty("targets").GetArrayLength().ShouldBe(4);
        }
        (await maya.GetStringAsync("/escalations", Ct)).ShouldContain("No levels: an incident that misses its targets shows as breached but notifies nobody.");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
