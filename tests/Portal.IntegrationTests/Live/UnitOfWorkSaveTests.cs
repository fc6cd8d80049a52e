using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.IntegrationTests.Live;

/// <summary>
/// A unit of work saves once, and PortalDbContext's save detects the changes once (EF Core's own pass is switched off for it):
/// what a command changes after its save is still found and refused, the whole unit rolled back; a second save still finds
/// what changed since the first; and the tracker's setting is left as the caller had it.
/// </summary>
public sealed class UnitOfWorkSaveTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static readonly Actor Engineer = new(Guid.NewGuid(), "Save Test", TenantAccess.Msp);

    private async Task<(AsyncServiceScope Scope, PortalDbContext Db, Incident Incident)> IncidentAsync()
    {
        var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var tenantId = app.Demo.TenantId(DemoDirectory.Northwind);
        var incident = await db.Incidents.FirstAsync(i => i.TenantId == tenantId, TestContext.Current.CancellationToken);
        return (scope, db, incident);
    }

    private Task<int> EntriesAsync(Guid incidentId) => app.QueryAsync(db => db.TimelineEntries.CountAsync(e => e.IncidentId == incidentId));

    [Fact]
    public async Task A_change_made_after_the_save_is_refused_and_nothing_of_the_unit_commits()
    {
        var (scope, db, incident) = await IncidentAsync();
        await using var _ = scope;
        var before = await EntriesAsync(incident.Id);

        var refused = await Should.ThrowAsync<InvalidOperationException>(() => UnitOfWork.CommitAsync(db, "the save test's work", async ct =>
        {
            incident.AddNote("saved, then rolled back", NoteVisibility.Internal, Engineer, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync(ct);
            // Reached only through the incident's timeline: nothing but a DetectChanges pass finds it.
            incident.AddNote("left unsaved", NoteVisibility.Internal, Engineer, DateTimeOffset.UtcNow);
            return 0;
        }, TestContext.Current.CancellationToken));

        refused.Message.ShouldContain("left changes unsaved");
        (await EntriesAsync(incident.Id)).ShouldBe(before);
    }

    [Fact]
    public async Task A_second_save_finds_what_changed_after_the_first_and_the_setting_is_left_as_it_was()
    {
        var (scope, db, incident) = await IncidentAsync();
        await using var _ = scope;
        var before = await EntriesAsync(incident.Id);
        var ct = TestContext.Current.CancellationToken;

        db.ChangeTracker.AutoDetectChangesEnabled.ShouldBeTrue();
        incident.AddNote("first", NoteVisibility.Internal, Engineer, DateTimeOffset.UtcNow);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.AutoDetectChangesEnabled.ShouldBeTrue();
        incident.AddNote("second", NoteVisibility.Customer, Engineer, DateTimeOffset.UtcNow);
        db.SaveChanges();
        db.ChangeTracker.AutoDetectChangesEnabled.ShouldBeTrue();

        (await EntriesAsync(incident.Id)).ShouldBe(before + 2);
        var saved = await app.QueryAsync(q => q.Incidents.AsNoTracking().SingleAsync(i => i.Id == incident.Id));
        saved.Version.ShouldBe(incident.Version);

        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.AutoDetectChangesEnabled.ShouldBeFalse();
    }
}
