using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;
using Portal.IntegrationTests.Live;

namespace Portal.IntegrationTests.Advisories;

/// <summary>
/// Who hears of an advisory over the status hub: every demo person is connected; the advisory's provider hears it on its own
/// stream (with no tenant in it), each targeted tenant's customers and MSP people on that tenant's stream, and nobody else
/// anything (another provider, a customer or MSP of a tenant that is not targeted, the platform admin), for the publication
/// and for an update. Targets are read from the database.
/// </summary>
public sealed class AdvisoryLiveIsolationTests(SqliteLiveApp app) : IClassFixture<SqliteLiveApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(1500);
    private const string Grace = "grace@nimbuscloud.example";
    private static readonly string[] Kinds = ["AdvisoryPublished", "AdvisoryUpdated"];

    private static bool About(LiveMessage m, Guid advisoryId) =>
        m.Payload.TryGetProperty("subjectId", out var s) && s.GetGuid() == advisoryId;

    /// <summary>The streams on which <paramref name="email"/> should hear of an advisory of <paramref name="providerId"/> targeting <paramref name="targets"/>.</summary>
    private HashSet<string> ExpectedStreams(string email, Guid providerId, HashSet<Guid> targets)
    {
        var (organisationId, _) = app.Demo.User(email).Memberships.Single();
        var kind = app.Demo.Organisations.Single(o => o.Id == organisationId).Kind;
        return kind switch
        {
            OrganisationKind.Provider when organisationId == providerId => [$"provider/{providerId}"],
            OrganisationKind.Msp => [.. app.Demo.MspTenantsOf(email).Where(targets.Contains).Select(t => $"tenant/{t}")],
            OrganisationKind.Customer when targets.Contains(organisationId) => [$"tenant/{organisationId}"],
            _ => [],
        };
    }

    private async Task ReachesExactlyTheTargetedStreamsAsync(string publisher, string serviceName, string[]? regions)
    {
        var everyone = Portal.Infrastructure.Data.DemoData.Users.Select(u => u.Email).ToList();
        var clients = new Dictionary<string, LiveClient>();
        try
        {
            foreach (var email in everyone) clients[email] = await app.ConnectAsync(email);
            var api = await app.ClientForAsync(publisher);
            var service = await api.ServiceAsync(serviceName);
            var providerId = app.Demo.User(publisher).Memberships.Single().OrganisationId;

            var advisory = await api.PublishAsync(providerId, $"Live isolation {Guid.NewGuid():N}", [service.Id], regions, "Sev2");
            var targets = await app.TargetsAsync(advisory.Id);
            targets.ShouldNotBeEmpty();
            await api.PostUpdateAsync(advisory.Id, "Identified", "The cause is known.");

            var expected = everyone.ToDictionary(e => e, e => ExpectedStreams(e, providerId, targets));
            expected.Values.ShouldContain(s => s.Count == 0, "someone must be left out, or this proves nothing");
            foreach (var (email, streams) in expected)
            {
                foreach (var stream in streams)
                    foreach (var kind in Kinds)
                        await clients[email].WaitForAsync(m => m.Method == kind && m.Stream == stream && About(m, advisory.Id));
            }
            await Task.Delay(Quiet, Ct);

            var customers = app.Demo.Organisations.Where(o => o.Kind == OrganisationKind.Customer).ToList();
            foreach (var (email, streams) in expected)
            {
                var heard = clients[email].Received.Where(m => About(m, advisory.Id)).ToList();
                heard.Select(m => (m.Method, m.Stream)).ShouldBe(streams.SelectMany(s => Kinds.Select(k => (k, s))), ignoreOrder: true,
                    $"{email} heard exactly the targeted streams it may see, each event once");
                foreach (var stream in streams)
                {
                    var published = heard.Single(m => m.Stream == stream && m.Method == "AdvisoryPublished");
                    var updated = heard.Single(m => m.Stream == stream && m.Method == "AdvisoryUpdated");
                    updated.Sequence.ShouldBeGreaterThan(published.Sequence, $"{email} {stream}: numbered in order");
                }
                if (streams.Count == 0) clients[email].Received.ShouldNotContain(m => m.Payload.ToString().Contains(advisory.Title, StringComparison.Ordinal));
                if (streams.Any(s => s.StartsWith("provider/", StringComparison.Ordinal)))
                {
                    // the provider's events name the advisory, never a tenant
                    foreach (var m in clients[email].Received)
                    {
                        m.Stream.ShouldStartWith("provider/");
                        m.IncidentId.ShouldBeNull();
                        var raw = m.Payload.GetRawText();
                        foreach (var tenant in customers)
                        {
                            raw.ShouldNotContain(tenant.Id.ToString(), Case.Insensitive);
                            raw.ShouldNotContain(tenant.Name);
                        }
                    }
                }
            }
        }
        finally
        {
            foreach (var client in clients.Values) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_regional_advisory_and_its_update_reach_only_the_targeted_tenants_and_its_own_provider() =>
        await ReachesExactlyTheTargetedStreamsAsync(Grace, AdvisoryApi.ComputeService, ["westeurope"]);

    [Fact]
    public async Task An_advisory_for_every_tenant_still_reaches_no_other_provider_and_no_platform_admin() =>
        await ReachesExactlyTheTargetedStreamsAsync(DemoDirectory.Priya, AdvisoryApi.SensorService, null);

    [Fact]
    public async Task Provider_connections_are_only_in_their_providers_group_and_cannot_watch_an_incident()
    {
        var incidentId = await app.QueryAsync(db => db.Incidents.AsNoTracking().Select(i => i.Id).FirstAsync(Ct));
        foreach (var email in new[] { DemoDirectory.Priya, "tom@sentinelshield.example", Grace })
        {
            await using var provider = await app.ConnectAsync(email);
            var providerId = app.Demo.User(email).Memberships.Single().OrganisationId;
            (await provider.Connection.InvokeAsync<string[]>("MyGroups", Ct)).ShouldBe([Portal.Features.Live.LiveGroups.Provider(providerId)]);
            await Should.ThrowAsync<HubException>(() => provider.Connection.InvokeAsync<object>("WatchIncident", incidentId, Ct));
            (await provider.Connection.InvokeAsync<string[]>("MyGroups", Ct)).ShouldBe([Portal.Features.Live.LiveGroups.Provider(providerId)]);
        }
    }
}
