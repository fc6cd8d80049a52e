using Hangfire;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.Features.Escalations;

/// <summary>
/// After a commit that opened an incident, changed its severity or status, or fired a level: one delayed job for the incident's
/// next due time (the job re-checks, so a timer left over from an earlier plan does nothing). The clock is the injected one, so
/// the delay is right under a clock offset too.
/// </summary>
public sealed class ScheduleEscalationTimers(IBackgroundJobClient jobs, TimeProvider clock) : ICommitReaction
{
    public CommitStage Stage => CommitStage.TellClients;

    public ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var timed = changes.Tenants.SelectMany(t => t.Entries)
            .Where(e => e.Entry.Kind is TimelineEntryKind.Opened or TimelineEntryKind.Acknowledged or TimelineEntryKind.StatusChanged
                or TimelineEntryKind.SeverityChanged or TimelineEntryKind.Escalation)
            .Select(e => e.Incident).DistinctBy(i => i.Id).Where(i => i.NextEscalationAt is not null);
        // One delayed job per due time, not per incident: a fan-out's incidents open together and fall due together, and each
        // job is a write into the job storage inside the request (a fan-out to 2,000 tenants wrote 2,000).
        foreach (var due in timed.GroupBy(i => i.NextEscalationAt!.Value))
        {
            List<CommittedIncident> incidents = [.. due];
            if (incidents.Count == 1) EscalationTimers.Schedule(jobs, incidents[0].Id, incidents[0].TenantId, due.Key - now);
            else EscalationTimers.ScheduleMany(jobs, [.. incidents.Select(i => i.Id)], [.. incidents.Select(i => i.TenantId)], due.Key - now);
        }
        return ValueTask.CompletedTask;
    }
}
