using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Escalations;

/// <summary>The MSP's policy, rotation, overrides and contract targets through the API: who may read and write, and every refusal as a problem.</summary>
public sealed class EscalationApiTests(EscalationSqliteApp app) : IClassFixture<EscalationSqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] LeadRole = ["MspLead"];

    private static string Json(object o) => JsonSerializer.Serialize(o, Api.Json);

    private static object[] Targets(int sev1Ack) =>
    [
        new { severity = "Sev1", acknowledgeMinutes = sev1Ack, resolveMinutes = 120 },
        new { severity = "Sev2", acknowledgeMinutes = 20, resolveMinutes = 240 },
        new { severity = "Sev3", acknowledgeMinutes = 60, resolveMinutes = 600 },
        new { severity = "Sev4", acknowledgeMinutes = 120, resolveMinutes = 1200 },
    ];

    private static string PolicyUrl(Guid msp) => $"/api/v1/msps/{msp}/escalation-policy";

    [Fact]
    public async Task Engineers_read_the_default_policy_only_the_lead_writes_and_other_msps_see_nothing()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using (var get = await maya.GetAsync(PolicyUrl(app.BluepeakId), Ct)) (await get.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such MSP");
        var jonas = await app.ClientForAsync(DemoDirectory.Jonas);
        using (var get = await jonas.GetAsync(PolicyUrl(app.HarborId), Ct)) await get.ReadProblemAsync(HttpStatusCode.NotFound);
        using (var get = await jonas.GetAsync(PolicyUrl(app.BluepeakId), Ct))
        {
            var policy = await get.ReadAsync<JsonElement>();
            policy.GetProperty("isDefault").GetBoolean().ShouldBeTrue();
            policy.GetProperty("targets")[0].GetProperty("acknowledgeMinutes").GetInt32().ShouldBe(15);
        }

        var body = Json(new { targets = Targets(10), levels = new object[] { new { kind = "Acknowledge", afterMinutes = 0, onCall = true }, new { kind = "Acknowledge", afterMinutes = 10, roles = LeadRole } } });
        using (var put = await maya.SendRawAsync(HttpMethod.Put, PolicyUrl(app.HarborId), body)) await put.ReadProblemAsync(HttpStatusCode.Forbidden);
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        using (var put = await liam.SendRawAsync(HttpMethod.Put, PolicyUrl(app.HarborId), body))
        {
            var saved = await put.ReadAsync<JsonElement>();
            saved.GetProperty("isDefault").GetBoolean().ShouldBeFalse();
            saved.GetProperty("levels").GetArrayLength().ShouldBe(2);
            saved.GetProperty("levels")[1].GetProperty("level").GetInt32().ShouldBe(2);
            saved.GetProperty("updatedBy").GetString().ShouldBe(app.Demo.User(DemoDirectory.Liam).Name);
        }
        using (var get = await maya.GetAsync(PolicyUrl(app.HarborId), Ct))
            (await get.ReadAsync<JsonElement>()).GetProperty("targets")[0].GetProperty("acknowledgeMinutes").GetInt32().ShouldBe(10);
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using (var get = await olivia.GetAsync(PolicyUrl(app.HarborId), Ct)) await get.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_policy_the_domain_cannot_hold_is_refused_with_a_clear_problem_and_nothing_changes()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        async Task<Problem> Refused(object body, HttpStatusCode status)
        {
            using var put = await liam.SendRawAsync(HttpMethod.Put, PolicyUrl(app.HarborId), Json(body));
            return await put.ReadProblemAsync(status);
        }
        string before;
        using (var get = await liam.GetAsync(PolicyUrl(app.HarborId), Ct)) before = await get.Content.ReadAsStringAsync(Ct);

        (await Refused(new { levels = Array.Empty<object>() }, HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("targets");
        (await Refused(new { targets = Targets(10), levels = new object[] { new { kind = "Acknowledge", afterMinutes = 10, onCall = true }, new { kind = "Acknowledge", afterMinutes = 5, onCall = true } } },
            HttpStatusCode.BadRequest)).Code.ShouldBe("levels_not_ascending");
        (await Refused(new { targets = Targets(0), levels = Array.Empty<object>() }, HttpStatusCode.BadRequest)).Errors.ShouldNotBeEmpty();
        (await Refused(new { targets = Targets(10), levels = new object[] { new { kind = "Resolve", afterMinutes = 0, userIds = new[] { app.Demo.User(DemoDirectory.Ines).Id } } } },
            HttpStatusCode.BadRequest)).Code.ShouldBe("not_an_msp_member");
        (await Refused(new { targets = Targets(10), levels = new object[] { new { kind = "Resolve", afterMinutes = 0 } } }, HttpStatusCode.BadRequest)).Code.ShouldBe("empty_level");
        using (var raw = await liam.SendRawAsync(HttpMethod.Put, PolicyUrl(app.HarborId), """{"targets":[{"severity":1,"acknowledgeMinutes":1,"resolveMinutes":1}],"levels":[]}"""))
            await raw.ReadProblemAsync(HttpStatusCode.BadRequest);

        using var after = await liam.GetAsync(PolicyUrl(app.HarborId), Ct);
        (await after.Content.ReadAsStringAsync(Ct)).ShouldBe(before);
    }

    [Fact]
    public async Task The_rotation_names_who_is_on_call_now_and_an_override_takes_the_shift()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var mayaId = app.Demo.User(DemoDirectory.Maya).Id;
        var samId = app.Demo.User(DemoDirectory.Sam).Id;
        var now = app.Clock.GetUtcNow();
        var rotationUrl = $"/api/v1/msps/{app.HarborId}/on-call/rotation";
        object Rotation(string zone, params Guid[] engineers) => new
        {
            timeZone = zone, handoffDay = now.DayOfWeek.ToString(), handoffTime = "00:00:00",
            startsOn = DateOnly.FromDateTime(now.UtcDateTime).ToString("yyyy-MM-dd"), engineers,
        };

        using (var refused = await liam.SendRawAsync(HttpMethod.Put, rotationUrl, Json(Rotation("Europe/Berlin", mayaId, app.Demo.User(DemoDirectory.Ines).Id))))
            (await refused.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("not_an_engineer");
        using (var refused = await liam.SendRawAsync(HttpMethod.Put, rotationUrl, Json(Rotation("Europe/Atlantis", mayaId))))
            (await refused.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("invalid_time_zone");
        using (var refused = await maya.SendRawAsync(HttpMethod.Put, rotationUrl, Json(Rotation("Europe/Berlin", mayaId))))
            await refused.ReadProblemAsync(HttpStatusCode.Forbidden);

        using (var put = await liam.SendRawAsync(HttpMethod.Put, rotationUrl, Json(Rotation("Europe/Berlin", mayaId, samId)))) put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync(Ct));
        var onCall = await (await maya.GetAsync($"/api/v1/msps/{app.HarborId}/on-call", Ct)).ReadAsync<JsonElement>();
        onCall.GetProperty("onCall").GetProperty("id").GetGuid().ShouldBeOneOf(mayaId, samId);
        var weekOwner = onCall.GetProperty("onCall").GetProperty("id").GetGuid();
        var other = weekOwner == mayaId ? samId : mayaId;

        var overridesUrl = $"/api/v1/msps/{app.HarborId}/on-call/overrides";
        // Written in the lead's own offset (it used to be a 500 on PostgreSQL, which stores UTC only); the clash below in another.
        using (var add = await liam.PostJsonAsync(overridesUrl, new { userId = other, from = now.AddMinutes(-1).ToOffset(TimeSpan.FromHours(1)), to = now.AddHours(1).ToOffset(TimeSpan.FromHours(1)) }))
            add.StatusCode.ShouldBe(HttpStatusCode.OK, await add.Content.ReadAsStringAsync(Ct));
        var covered = await (await maya.GetAsync($"/api/v1/msps/{app.HarborId}/on-call", Ct)).ReadAsync<JsonElement>();
        covered.GetProperty("onCall").GetProperty("id").GetGuid().ShouldBe(other);
        covered.GetProperty("isOverride").GetBoolean().ShouldBeTrue();
        using (var clash = await liam.PostJsonAsync(overridesUrl, new { userId = weekOwner, from = now.AddMinutes(30).ToOffset(TimeSpan.FromHours(-5)), to = now.AddHours(2).ToOffset(TimeSpan.FromHours(-5)) }))
            (await clash.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("override_overlaps");
        using (var backwards = await liam.PostJsonAsync(overridesUrl, new { userId = weekOwner, from = now.AddHours(5), to = now.AddHours(4) }))
            await backwards.ReadProblemAsync(HttpStatusCode.BadRequest);
        // A time without its offset would be read in the server's own zone (hours off, depending on the host): refused, naming the field.
        foreach (var (from, to) in new[] { ("2030-01-07T10:00:00", "2030-01-07T12:00:00Z"), ("2030-01-07T10:00:00Z", "2030-01-07T12:00") })
        {
            using var noOffset = await liam.SendRawAsync(HttpMethod.Post, overridesUrl, $$"""{"userId":"{{weekOwner}}","from":"{{from}}","to":"{{to}}"}""");
            var problem = await noOffset.ReadProblemAsync(HttpStatusCode.BadRequest);
            problem.Detail!.ShouldContain(from.EndsWith('Z') ? "'$.to'" : "'$.from'");
            problem.Detail!.ShouldContain("is not an instant with its offset");
        }

        var later = await (await maya.GetAsync($"/api/v1/msps/{app.HarborId}/on-call?at={Uri.EscapeDataString(now.AddHours(2).ToString("O"))}", Ct)).ReadAsync<JsonElement>();
        later.GetProperty("onCall").GetProperty("id").GetGuid().ShouldBe(weekOwner);

        var rotation = await (await maya.GetAsync(rotationUrl, Ct)).ReadAsync<JsonElement>();
        var overrideId = rotation.GetProperty("overrides")[0].GetProperty("id").GetGuid();
        var storedFrom = rotation.GetProperty("overrides")[0].GetProperty("from").GetDateTimeOffset();
        storedFrom.Offset.ShouldBe(TimeSpan.Zero, "kept in UTC");
        (storedFrom - now.AddMinutes(-1)).Duration().ShouldBeLessThan(TimeSpan.FromMilliseconds(1), "the same instant (SQLite keeps a tenth of a millisecond)");
        using (var remove = await liam.DeleteAsync($"{overridesUrl}/{overrideId}", Ct)) remove.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await (await maya.GetAsync($"/api/v1/msps/{app.HarborId}/on-call", Ct)).ReadAsync<JsonElement>()).GetProperty("onCall").GetProperty("id").GetGuid().ShouldBe(weekOwner);
    }

    [Fact]
    public async Task A_contract_from_before_the_feature_reads_as_no_tighter_targets()
    {
        // The migration gives existing contract rows "" in the new column.
        await app.QueryAsync(db => db.Database.ExecuteSqlRawAsync("UPDATE \"Contracts\" SET \"TightenedTargets\" = ''", Ct));
        var contracts = await app.QueryAsync(db => db.Contracts.AsNoTracking().ToListAsync(Ct));
        contracts.ShouldNotBeEmpty();
        contracts.ShouldAllBe(c => c.TightenedTargets.Count == 0);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Old contract", "Sev2");
        created.Dispose();
        (await maya.GetWithClockAsync(incident.Id)).Escalation.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_contract_tightens_its_tenants_targets_and_may_not_loosen_them()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var url = $"/api/v1/tenants/{northwind}/escalation-targets";
        using (var looser = await liam.SendRawAsync(HttpMethod.Put, url, Json(new { targets = new[] { new { severity = "Sev1", acknowledgeMinutes = 20000, resolveMinutes = 20000 } } })))
            (await looser.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("looser_than_policy");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using (var engineer = await maya.SendRawAsync(HttpMethod.Put, url, Json(new { targets = new[] { new { severity = "Sev1", acknowledgeMinutes = 1, resolveMinutes = 5 } } })))
            await engineer.ReadProblemAsync(HttpStatusCode.Forbidden);
        var jonas = await app.ClientForAsync(DemoDirectory.Jonas);
        using (var foreign = await jonas.SendRawAsync(HttpMethod.Put, url, Json(new { targets = new[] { new { severity = "Sev1", acknowledgeMinutes = 1, resolveMinutes = 5 } } })))
            await foreign.ReadProblemAsync(HttpStatusCode.NotFound);

        using (var tighter = await liam.SendRawAsync(HttpMethod.Put, url, Json(new { targets = new[] { new { severity = "Sev1", acknowledgeMinutes = 2, resolveMinutes = 5 } } })))
            (await tighter.ReadAsync<JsonElement>()).GetProperty("effective")[0].GetProperty("acknowledgeMinutes").GetInt32().ShouldBe(2);
        var (incident, created) = await maya.CreateIncidentAsync(northwind, "Promised fast", "Sev1");
        created.Dispose();
        var clock = (await maya.GetWithClockAsync(incident.Id)).Escalation!;
        (clock.AcknowledgeDueAt!.Value - incident.CreatedAt).Duration().ShouldBeLessThan(TimeSpan.FromMinutes(2) + TimeSpan.FromMilliseconds(1));
        (clock.AcknowledgeDueAt!.Value - incident.CreatedAt).ShouldBeGreaterThan(TimeSpan.FromMinutes(2) - TimeSpan.FromMilliseconds(1));
        using (var reset = await liam.SendRawAsync(HttpMethod.Put, url, Json(new { targets = Array.Empty<object>() }))) reset.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
