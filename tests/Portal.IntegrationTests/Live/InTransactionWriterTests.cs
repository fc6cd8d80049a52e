using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.IntegrationTests.Live;

/// <summary>
/// A feature's in-transaction writer (the outbox's, so far) writes inside the unit of work's transaction and must save what it
/// writes: a writer that leaves a change unsaved fails the whole unit, rolled back, instead of losing that change in silence.
/// That includes a change only a DetectChanges pass finds: a property of a tracked entity, or a row reached only through a
/// navigation.
/// </summary>
public sealed class InTransactionWriterTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static readonly Actor Engineer = new(Guid.NewGuid(), "Writer Test", TenantAccess.Msp);

    /// <summary>Registered beside the outbox's writer; does what the test asks, for the test's incident only.</summary>
    private sealed class ScriptedWriter : IInTransactionWriter
    {
        public Guid IncidentId { get; set; }
        public Action<PortalDbContext, Incident>? Write { get; set; }

        public ValueTask WriteAsync(PortalDbContext db, CommittedChanges changes, CancellationToken cancellationToken)
        {
            if (Write is { } write && db.Incidents.Local.FirstOrDefault(i => i.Id == IncidentId) is { } incident) write(db, incident);
            return ValueTask.CompletedTask;
        }
    }

    private async Task<(Exception? Refused, int EntriesBefore, int EntriesAfter)> CommitANoteAsync(Action<PortalDbContext, Incident>? writerDoes)
    {
        var ct = TestContext.Current.CancellationToken;
        var writer = new ScriptedWriter();
        await using var withWriter = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IInTransactionWriter>(writer)));
        await using var scope = withWriter.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var tenantId = app.Demo.TenantId(DemoDirectory.Northwind);
        var incident = await db.Incidents.FirstAsync(i => i.TenantId == tenantId, ct);
        var before = await app.QueryAsync(q => q.TimelineEntries.CountAsync(e => e.IncidentId == incident.Id));
        writer.IncidentId = incident.Id;
        writer.Write = writerDoes;

        var refused = await Record.ExceptionAsync(() => UnitOfWork.CommitAsync(db, "the writer test's work", async token =>
        {
            incident.AddNote("the command's own note", NoteVisibility.Internal, Engineer, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync(token);
            return 0;
        }, ct));
        var after = await app.QueryAsync(q => q.TimelineEntries.CountAsync(e => e.IncidentId == incident.Id));
        return (refused, before, after);
    }

    [Fact]
    public async Task A_writer_that_saves_what_it_writes_commits_with_the_change()
    {
        var (refused, before, after) = await CommitANoteAsync((db, incident) =>
        {
            incident.AddNote("the writer's note", NoteVisibility.Internal, Engineer, DateTimeOffset.UtcNow);
            db.SaveChanges();
        });

        refused.ShouldBeNull();
        after.ShouldBe(before + 2);
    }

    [Fact]
    public async Task A_writer_that_adds_a_row_and_leaves_it_unsaved_fails_the_change_and_nothing_commits()
    {
        var (refused, before, after) = await CommitANoteAsync((db, incident) =>
            db.TimelineEntries.Add(incident.AddNote("added, never saved", NoteVisibility.Internal, Engineer, DateTimeOffset.UtcNow)));

        refused.ShouldBeOfType<InvalidOperationException>().Message.ShouldContain("in-transaction writer left changes unsaved");
        after.ShouldBe(before);
    }

    [Fact]
    public async Task A_writer_whose_unsaved_change_only_change_detection_finds_fails_the_change_and_nothing_commits()
    {
        // The incident's counters change on the tracked entity, and the new entry is reachable only through its timeline:
        // neither shows in the tracker's states until changes are detected.
        var (refused, before, after) = await CommitANoteAsync((_, incident) =>
            incident.AddNote("changed, never saved", NoteVisibility.Internal, Engineer, DateTimeOffset.UtcNow));

        refused.ShouldBeOfType<InvalidOperationException>().Message.ShouldContain("in-transaction writer left changes unsaved");
        after.ShouldBe(before);
    }
}
