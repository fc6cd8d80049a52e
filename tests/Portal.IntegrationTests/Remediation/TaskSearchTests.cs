using Microsoft.AspNetCore.Hosting;
using Portal.Features.Remediation;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// The task list's hostname search (<c>q</c>) answers the same whichever way it runs: device first when few of the tenant's
/// devices match (every search here, with the default of 1,000), or walking the incident's tasks in id order when more do (the
/// app below, which looks device first for at most 3). Case is ignored, free tasks match on their title, the other filters and
/// the keyset paging apply, and a page is in id order.
/// </summary>
public abstract class TaskSearchTests(PortalApp app)
{
    private Guid Nwa => app.Demo.TenantId(DemoDirectory.Northwind);

    [Fact]
    public async Task A_hostname_prefix_finds_exactly_the_matching_tasks_in_id_order_across_pages()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Nwa, "Tasks: hostname search", "Sev2");
        created.Dispose();
        var devices = (await app.DevicesOfAsync(Nwa)).Where(d => d.ExternalId!.StartsWith("rmm-", StringComparison.Ordinal)).Take(24).ToList();
        foreach (var device in devices) await maya.AddTaskAsync(incident.Id, device.Id);
        var one = devices[7].Hostname;
        var some = one[..^1];                  // a handful of hostnames
        var many = one[..3];                   // most of them
        await maya.AddTaskAsync(incident.Id, title: $"{many.ToLowerInvariant()} spare laptop"); // a free task: matched on its title
        await maya.AddTaskAsync(incident.Id, title: "Rotate BitLocker keys");
        var all = await maya.AllTasksAsync(incident.Id);
        var done = all.Where(t => t.Device is not null).Take(6).ToList();
        foreach (var task in done) await maya.SetStateAsync(task.Id, "Done");
        all = await maya.AllTasksAsync(incident.Id);

        List<Guid> Expected(string prefix, Func<TaskDto, bool>? also = null) =>
            [.. all.Where(t => (t.Device?.Hostname ?? t.Title).StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && (also is null || also(t)))
                .Select(t => t.Id).OrderBy(id => id.ToString(), StringComparer.Ordinal)];

        foreach (var prefix in new[] { one, one.ToLowerInvariant(), some, many, many.ToUpperInvariant(), "zz-no-such-host" })
        {
            (await maya.AllTasksAsync(incident.Id, "q=" + Uri.EscapeDataString(prefix), limit: 2)).Select(t => t.Id).ShouldBe(Expected(prefix), prefix);
        }
        Expected(many).Count.ShouldBeGreaterThan(4, "the broad prefix matches more than the small app looks up device first");
        Expected(many).ShouldContain(all.Single(t => t.Device is null && t.Title.EndsWith("spare laptop", StringComparison.Ordinal)).Id);

        (await maya.AllTasksAsync(incident.Id, $"q={Uri.EscapeDataString(many)}&state=Done", limit: 2)).Select(t => t.Id)
            .ShouldBe(Expected(many, t => t.State == "Done"));
        (await maya.AllTasksAsync(incident.Id, $"q={Uri.EscapeDataString(many)}&site=branch", limit: 3)).Select(t => t.Id)
            .ShouldBe(Expected(many, t => string.Equals(t.Device?.Site, "Branch", StringComparison.OrdinalIgnoreCase)), "a site filter leaves free tasks out");
        (await maya.AllTasksAsync(incident.Id, $"q={Uri.EscapeDataString(some)}&state=Done&state=Pending", limit: 1)).Select(t => t.Id)
            .ShouldBe(Expected(some));
    }
}

public sealed class TaskSearchOnSqlite(SqliteApp app) : TaskSearchTests(app), IClassFixture<SqliteApp>;

public sealed class TaskSearchOnPostgreSql(PostgresApp app) : TaskSearchTests(app), IClassFixture<PostgresApp>;

public sealed class TaskSearchWalkingTheIncident(FewHostsFirstApp app) : TaskSearchTests(app), IClassFixture<FewHostsFirstApp>;

/// <summary>Looks device first for at most 3 matching devices: broader prefixes walk the incident's tasks.</summary>
public sealed class FewHostsFirstApp() : PortalApp(DbProvider.Sqlite, null)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting(ListTasksHandler.DeviceFirstUpToSetting, "3");
    }
}
