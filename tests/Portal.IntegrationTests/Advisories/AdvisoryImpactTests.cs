using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Advisories;

public sealed record ImpactCountsDto(int TenantsTargeted, int TenantsAcknowledged, int IncidentsOpen, int IncidentsResolved, int DevicesCompleted,
    int DevicesFailed, int DevicesTotal, int TenantsUnacknowledged, int DevicesRemaining);

public sealed record MspImpactDto(int Number, ImpactCountsDto Counts, string Label);

public sealed record BurnDownPointDto(long At, int Total, int Completed, int Failed, int Remaining);

public sealed record BurnDownDto(IReadOnlyList<BurnDownPointDto> Points);

public sealed record AdvisoryImpactDto(ImpactCountsDto Totals, IReadOnlyList<MspImpactDto> Msps, BurnDownDto BurnDown, DateTimeOffset AsOf);

/// <summary>
/// The provider's dashboard numbers: equal to a direct count in the database, the same for publisher and viewer, refused to
/// everyone outside the advisory's provider, and the JSON carries no tenant, MSP, incident or device name. Both databases.
/// </summary>
public abstract class AdvisoryImpactTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;

    private async Task<AdvisoryDto> PublishSensorAdvisoryAsync(string title)
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);
        return await priya.PublishAsync(Sentinel, title, [sensor.Id]);
    }

    private static async Task<(AdvisoryImpactDto Impact, string Json)> ImpactAsync(HttpClient client, Guid advisoryId)
    {
        using var response = await client.GetAsync($"/api/v1/advisories/{advisoryId}/impact", Ct);
        var json = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, json);
        return (JsonSerializer.Deserialize<AdvisoryImpactDto>(json, Api.Json)!, json);
    }

    [Fact]
    public async Task The_counts_equal_a_direct_count_in_the_database_and_name_nobody()
    {
        var advisory = await PublishSensorAdvisoryAsync("Sensor 7.11 boot loop (impact)");
        var northwind = app.Demo.TenantId("Northwind Airways");
        var fabrikam = app.Demo.TenantId("Fabrikam Health");
        var woodgrove = app.Demo.TenantId("Woodgrove Bank");
        await app.AcknowledgeTargetAsync(advisory.Id, northwind);
        await app.AcknowledgeTargetAsync(advisory.Id, woodgrove, DemoDirectory.Ines);
        var nwaIncident = await app.LinkIncidentAsync(advisory.Id, northwind, total: 40, done: 25, notApplicable: 5, failed: 2);
        await app.LinkIncidentAsync(advisory.Id, fabrikam, total: 10, done: 10, resolved: true);
        await app.LinkIncidentAsync(advisory.Id, woodgrove, total: 7, done: 1, mspEmail: DemoDirectory.Ines);

        var (impact, json) = await ImpactAsync(await app.ClientForAsync(DemoDirectory.Priya), advisory.Id);

        // The oracle: counted straight from the rows, with system access.
        var expected = await app.QueryAsync(async db =>
        {
            var targets = await db.AdvisoryTargets.Where(t => t.AdvisoryId == advisory.Id).ToListAsync();
            var incidents = await db.Incidents.Where(i => i.AdvisoryId == advisory.Id).ToListAsync();
            var ids = incidents.Select(i => i.Id).ToList();
            var progress = await db.RemediationProgress.Where(p => ids.Contains(p.IncidentId)).ToListAsync();
            return new
            {
                Targeted = targets.Count,
                Acknowledged = targets.Count(t => t.AcknowledgedAt != null),
                Open = incidents.Count(i => i.Status != IncidentStatus.Resolved && i.Status != IncidentStatus.Closed),
                Resolved = incidents.Count(i => i.Status is IncidentStatus.Resolved or IncidentStatus.Closed),
                Restored = progress.Sum(p => p.Done),
                Failed = progress.Sum(p => p.Failed),
                Affected = progress.Sum(p => p.Pending + p.InProgress + p.Blocked + p.Done + p.Failed), // a device found not applicable is not affected
            };
        });
        impact.Totals.TenantsTargeted.ShouldBe(expected.Targeted);
        impact.Totals.TenantsTargeted.ShouldBe(5, "every demo customer subscribes to the sensor");
        impact.Totals.TenantsAcknowledged.ShouldBe(expected.Acknowledged);
        impact.Totals.TenantsAcknowledged.ShouldBe(2);
        impact.Totals.IncidentsOpen.ShouldBe(expected.Open);
        impact.Totals.IncidentsOpen.ShouldBe(2);
        impact.Totals.IncidentsResolved.ShouldBe(expected.Resolved);
        impact.Totals.IncidentsResolved.ShouldBe(1);
        impact.Totals.DevicesCompleted.ShouldBe(expected.Restored);
        impact.Totals.DevicesCompleted.ShouldBe(25 + 10 + 1, "restored: Done, not the 5 found not applicable");
        impact.Totals.DevicesFailed.ShouldBe(expected.Failed);
        impact.Totals.DevicesTotal.ShouldBe(expected.Affected);
        impact.Totals.DevicesTotal.ShouldBe(57 - 5);
        impact.Totals.DevicesRemaining.ShouldBe(52 - 36);

        // Per MSP: Harbor (3 targeted tenants) is "MSP 1", Bluepeak (2) "MSP 2", and the groups add up to the totals.
        impact.Msps.Select(m => m.Label).ShouldBe(["MSP 1", "MSP 2"]);
        impact.Msps.Select(m => m.Counts.TenantsTargeted).ShouldBe([3, 2]);
        impact.Msps[0].Counts.DevicesTotal.ShouldBe(50 - 5);
        impact.Msps[0].Counts.IncidentsResolved.ShouldBe(1);
        impact.Msps[1].Counts.TenantsAcknowledged.ShouldBe(1);
        impact.Msps.Sum(m => m.Counts.DevicesCompleted).ShouldBe(impact.Totals.DevicesCompleted);

        // The burn-down ends where the counters stand.
        impact.BurnDown.Points.ShouldNotBeEmpty();
        impact.BurnDown.Points[^1].Total.ShouldBe(57);
        impact.BurnDown.Points[^1].Completed.ShouldBe(41);

        // Nothing but numbers: no organisation (tenant or MSP) name, no incident title or reference, no device, no person.
        var reference = await app.QueryAsync(db => db.Incidents.Where(i => i.Id == nwaIncident).Select(i => i.Reference).SingleAsync());
        var forbidden = app.Demo.Organisations.Where(o => o.Kind is OrganisationKind.Customer or OrganisationKind.Msp).Select(o => o.Name)
            .Concat(app.Demo.Organisations.Where(o => o.Prefix is not null).Select(o => o.Prefix! + "-"))
            .Concat([reference, advisory.Title, "Sentinel Shield Security", "Maya", "Ines", "Olivia", "Hana"])
            .Concat(app.Demo.Organisations.Select(o => o.Id.ToString()));
        foreach (var word in forbidden) json.ShouldNotContain(word, Case.Insensitive, $"the impact JSON names '{word}': {json}");
        using var document = JsonDocument.Parse(json);
        StringValues(document.RootElement).ShouldBe(["MSP 1", "MSP 2"], ignoreOrder: true, "the only strings are the MSP labels (and the date)");
    }

    /// <summary>Every string in the document except ISO dates: the shape that proves no free text travels.</summary>
    private static List<string> StringValues(JsonElement element)
    {
        var found = new List<string>();
        void Walk(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object: foreach (var p in e.EnumerateObject()) Walk(p.Value); break;
                case JsonValueKind.Array: foreach (var x in e.EnumerateArray()) Walk(x); break;
                case JsonValueKind.String when !DateTimeOffset.TryParse(e.GetString(), System.Globalization.CultureInfo.InvariantCulture, out _): found.Add(e.GetString()!); break;
            }
        }
        Walk(element);
        return found;
    }

    [Fact]
    public async Task A_tenant_that_stopped_being_targeted_is_no_longer_counted()
    {
        var advisory = await PublishSensorAdvisoryAsync("Sensor impact after a dropped subscription");
        var tailspin = app.Demo.TenantId("Tailspin Logistics");
        await app.LinkIncidentAsync(advisory.Id, tailspin, total: 9, done: 3);
        var before = (await ImpactAsync(await app.ClientForAsync(DemoDirectory.Priya), advisory.Id)).Impact;
        before.Totals.DevicesTotal.ShouldBe(9);

        // Tailspin's MSP removes its sensor subscription: the advisory stops targeting it, and its incident stops counting.
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var sensorId = (await (await app.ClientForAsync(DemoDirectory.Priya)).ServiceAsync(AdvisoryApi.SensorService)).Id;
        var subscription = (await maya.SubscriptionsAsync(tailspin)).Single(s => s.ServiceId == sensorId);
        using (var removed = await maya.DeleteAsync($"/api/v1/tenants/{tailspin}/subscriptions/{subscription.Id}", Ct))
            removed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        try
        {
            var after = (await ImpactAsync(await app.ClientForAsync(DemoDirectory.Priya), advisory.Id)).Impact;
            after.Totals.TenantsTargeted.ShouldBe(before.Totals.TenantsTargeted - 1);
            after.Totals.DevicesTotal.ShouldBe(0);
            after.Totals.IncidentsOpen.ShouldBe(0);
        }
        finally
        {
            await maya.AddSubscriptionAsync(tailspin, sensorId, null); // other tests in this class expect every tenant subscribed
        }
    }

    [Fact]
    public async Task A_viewer_of_the_provider_reads_it_and_everyone_else_is_refused()
    {
        var advisory = await PublishSensorAdvisoryAsync("Sensor impact access");
        var (viewer, _) = await ImpactAsync(await app.ClientForAsync("tom@sentinelshield.example"), advisory.Id);
        viewer.Totals.TenantsTargeted.ShouldBe(5);

        // Another provider, an MSP engineer (who may read the advisory itself), a customer it targets: 404 or 403, as problems.
        foreach (var (email, status) in new[]
                 {
                     ("grace@nimbuscloud.example", HttpStatusCode.NotFound), (DemoDirectory.Maya, HttpStatusCode.Forbidden),
                     (DemoDirectory.Olivia, HttpStatusCode.Forbidden), (DemoDirectory.Ada, HttpStatusCode.NotFound),
                 })
        {
            using var response = await (await app.ClientForAsync(email)).GetAsync($"/api/v1/advisories/{advisory.Id}/impact", Ct);
            var problem = await response.ReadProblemAsync(status);
            problem.Raw.ShouldNotContain("tenantsTargeted", customMessage: email);
        }
        using var missing = await (await app.ClientForAsync(DemoDirectory.Priya)).GetAsync($"/api/v1/advisories/{Guid.NewGuid()}/impact", Ct);
        (await missing.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such advisory");
        using var anonymous = await app.Anonymous().GetAsync($"/api/v1/advisories/{advisory.Id}/impact", Ct);
        await anonymous.ReadProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public void The_view_types_can_carry_only_numbers_and_times()
    {
        var allowed = new[] { typeof(int), typeof(long), typeof(DateTimeOffset) };
        var seen = new HashSet<Type>();
        var strings = new List<string>();
        void Check(Type type)
        {
            if (!seen.Add(type) || allowed.Contains(type)) return;
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)) { Check(type.GetGenericArguments()[0]); return; }
            type.Namespace.ShouldNotBeNull().ShouldStartWith("Portal.Features", customMessage: $"{type} in the impact view");
            foreach (var property in type.GetProperties())
            {
                if (property.PropertyType == typeof(string))
                {
                    // Only a computed label ("MSP 1") is allowed: a get-only property without a constructor parameter behind it.
                    property.CanWrite.ShouldBeFalse($"{type.Name}.{property.Name} is a string that could be set");
                    type.GetConstructors().SelectMany(c => c.GetParameters()).Where(p => p.ParameterType == typeof(string)).ShouldBeEmpty();
                    strings.Add($"{type.Name}.{property.Name}");
                    continue;
                }
                property.PropertyType.ShouldNotBe(typeof(Guid), $"{type.Name}.{property.Name}");
                Check(property.PropertyType);
            }
        }
        Check(typeof(Portal.Features.Advisories.AdvisoryImpactView));
        strings.ShouldBe(["MspImpactView.Label"]);
    }
}

public sealed class AdvisoryImpactTestsOnSqlite(SqliteApp app) : AdvisoryImpactTests(app), IClassFixture<SqliteApp>;

public sealed class AdvisoryImpactTestsOnPostgreSql(PostgresApp app) : AdvisoryImpactTests(app), IClassFixture<PostgresApp>;
