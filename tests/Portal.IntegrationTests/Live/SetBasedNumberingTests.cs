using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.IntegrationTests.Live;

/// <summary>
/// The commit path numbers every tenant a command touched set-based (tenants that advance by the same amounts share one
/// statement): each tenant still gets a contiguous block on its full and its customer stream, right after the numbers it
/// had, its entries take them in timeline order, internal entries take none on the customer stream, and two commands that
/// touch the same tenants at once never share a number. Both databases.
/// </summary>
public abstract class SetBasedNumberingTests(PortalApp app)
{
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Fabrikam => app.Demo.TenantId("Fabrikam Health");
    private Guid Tailspin => app.Demo.TenantId("Tailspin Logistics");

    private static readonly Actor Engineer = new(Guid.NewGuid(), "Numbering Test", TenantAccess.Msp);

    /// <summary>Opens an incident in each tenant and adds the given notes (true: customer-visible) in one unit of work.</summary>
    private async Task<CommittedChanges> CommandAsync(IReadOnlyDictionary<Guid, bool[]> notesPerTenant)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var (_, committed) = await UnitOfWork.CommitAsync(db, "numbering test", async ct =>
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var (tenantId, notes) in notesPerTenant)
            {
                // As the incident commands number: the UPDATE takes the row, the read returns this transaction's number.
                await db.Organisations.Where(o => o.Id == tenantId).ExecuteUpdateAsync(s => s.SetProperty(o => o.LastIncidentNumber, o => o.LastIncidentNumber + 1), ct);
                var number = await db.Organisations.Where(o => o.Id == tenantId).Select(o => o.LastIncidentNumber).SingleAsync(ct);
                var incident = Incident.Open(tenantId, number, "NUM", $"Numbering {Guid.NewGuid():N}", Severity.Sev3, null, Engineer, now);
                for (var i = 0; i < notes.Length; i++)
                    incident.AddNote($"note {i}", notes[i] ? NoteVisibility.Customer : NoteVisibility.Internal, Engineer, now.AddMilliseconds(i + 1));
                db.Incidents.Add(incident);
            }
            await db.SaveChangesAsync(ct);
            return 0;
        }, TestContext.Current.CancellationToken);
        return committed;
    }

    private Task<Dictionary<Guid, (long All, long Customer)>> HeadsAsync(params Guid[] tenants) => app.QueryAsync(db =>
        db.Organisations.AsNoTracking().Where(o => tenants.Contains(o.Id))
            .ToDictionaryAsync(o => o.Id, o => (o.LastStreamSequence, o.LastCustomerStreamSequence)));

    [Fact]
    public async Task Several_tenants_in_one_command_each_get_a_contiguous_block_in_timeline_order()
    {
        Guid[] tenants = [Northwind, Fabrikam, Tailspin];
        var before = await HeadsAsync(tenants);
        // Different amounts per tenant: three groups, three statements; the numbers must not depend on that.
        var notes = new Dictionary<Guid, bool[]>
        {
            [Northwind] = [true, false, true], // 4 entries, 3 customer-visible
            [Fabrikam] = [],                   // 1 entry (Opened), customer-visible
            [Tailspin] = [false, false],       // 3 entries, 1 customer-visible
        };

        var committed = await CommandAsync(notes);

        var after = await HeadsAsync(tenants);
        committed.Tenants.Select(t => t.TenantId).ShouldBe(tenants, ignoreOrder: true);
        foreach (var change in committed.Tenants)
        {
            var count = notes[change.TenantId].Length + 1;
            var customer = notes[change.TenantId].Count(v => v) + 1;
            change.Entries.Select(e => e.Sequence).ShouldBe([.. Enumerable.Range(1, count).Select(i => before[change.TenantId].All + i)], "contiguous, right after the old head");
            change.Entries.Where(e => e.CustomerSequence is not null).Select(e => e.CustomerSequence!.Value)
                .ShouldBe([.. Enumerable.Range(1, customer).Select(i => before[change.TenantId].Customer + i)]);
            change.Entries.ShouldAllBe(e => (e.CustomerSequence != null) == (e.Entry.Visibility == NoteVisibility.Customer));
            change.Entries.Select(e => e.Entry.Sequence).ShouldBe([.. Enumerable.Range(1, count)], "in the incident's timeline order");
            change.Entries[0].Entry.Kind.ShouldBe(TimelineEntryKind.Opened);
            change.CustomerSequence.ShouldBe(before[change.TenantId].Customer + customer);
            after[change.TenantId].ShouldBe((before[change.TenantId].All + count, before[change.TenantId].Customer + customer));
        }
    }

    [Fact]
    public async Task Concurrent_commands_over_the_same_tenants_never_share_a_number()
    {
        Guid[] tenants = [Northwind, Fabrikam, Tailspin];
        var before = await HeadsAsync(tenants);
        var commands = Enumerable.Range(0, 6).Select(i => CommandAsync(new Dictionary<Guid, bool[]>
        {
            [Northwind] = i % 2 == 0 ? [true] : [false, true],
            [Fabrikam] = [],
            [Tailspin] = i % 3 == 0 ? [false] : [],
        })).ToList();

        var results = await Task.WhenAll(commands);

        var after = await HeadsAsync(tenants);
        foreach (var tenant in tenants)
        {
            var all = results.SelectMany(r => r.Tenants.Where(t => t.TenantId == tenant)).SelectMany(t => t.Entries).ToList();
            all.Select(e => e.Sequence).Order().ToList().ShouldBe([.. Enumerable.Range(1, all.Count).Select(i => before[tenant].All + i)], "every number once, none skipped");
            var customer = all.Where(e => e.CustomerSequence is not null).Select(e => e.CustomerSequence!.Value).Order().ToList();
            customer.ShouldBe([.. Enumerable.Range(1, customer.Count).Select(i => before[tenant].Customer + i)]);
            after[tenant].ShouldBe((before[tenant].All + all.Count, before[tenant].Customer + customer.Count));
            // Each command's block for a tenant is contiguous (it held the row from its UPDATE to its commit).
            foreach (var change in results.SelectMany(r => r.Tenants.Where(t => t.TenantId == tenant)))
                change.Entries.Select(e => e.Sequence).ShouldBe([.. Enumerable.Range(0, change.Entries.Count).Select(i => change.Entries[0].Sequence + i)]);
        }
    }
}

public sealed class SetBasedNumberingTestsOnSqlite(SqliteApp app) : SetBasedNumberingTests(app), IClassFixture<SqliteApp>;

public sealed class SetBasedNumberingTestsOnPostgreSql(PostgresApp app) : SetBasedNumberingTests(app), IClassFixture<PostgresApp>;
