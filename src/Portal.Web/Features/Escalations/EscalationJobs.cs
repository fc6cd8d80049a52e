using System.ComponentModel;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;
using Portal.Infrastructure.Jobs;

namespace Portal.Features.Escalations;

/// <summary>
/// The delayed job of one incident's next due time. It re-reads the incident and fires only what is due (acknowledged, resolved,
/// a changed severity: nothing). Hangfire may run a delayed job up to about a second early (RECIPES "Hangfire 1.8.25 timing"):
/// if the level is due within the next minute it schedules itself again for then; anything later has its own timer.
/// </summary>
public sealed class EscalationJob(IncidentEscalator escalator, IBackgroundJobClient jobs, TimeProvider clock)
{
    [AutomaticRetry(Attempts = 3)]
    [DisplayName("Escalation of incident {0}")]
    public async Task RunAsync(Guid incidentId, Guid tenantId, CancellationToken cancellationToken)
    {
        var (raised, nextAt) = await escalator.EscalateAsync(incidentId, tenantId, cancellationToken);
        // Nothing fired, yet due within a minute: Hangfire ran the job early (it may, by up to a second). Try again at the due
        // time — also when that moment passed while this job ran (a zero delay runs it at once); left alone, the escalation
        // would wait for the minute's sweep. Further away, the plan's own timer and the sweep cover it.
        if (raised == 0 && nextAt is { } at && at - clock.GetUtcNow() is var wait && wait <= TimeSpan.FromMinutes(1))
            EscalationTimers.Schedule(jobs, incidentId, tenantId, wait);
    }

    /// <summary>The timer of incidents due together: each as its own job would (a retry repeats the batch; each run is idempotent).</summary>
    [AutomaticRetry(Attempts = 3)]
    [DisplayName("Escalation of incidents due together")]
    public async Task RunManyAsync(Guid[] incidentIds, Guid[] tenantIds, CancellationToken cancellationToken)
    {
        for (var i = 0; i < incidentIds.Length; i++) await RunAsync(incidentIds[i], tenantIds[i], cancellationToken);
    }
}

/// <summary>
/// The safety net (every minute, and once at start): ONE query finds every incident, in every tenant, whose next escalation is
/// overdue (the <c>NextEscalationAt</c> index), oldest first; each is escalated in a scope of its own tenant. What a lost delayed
/// job left (a restart past the due time, storage that lost it) therefore still fires, once: the unique index decides a race.
/// </summary>
public sealed partial class EscalationSweep(PortalDbContext db, TenantScope scope, IncidentEscalator escalator, TimeProvider clock, ILogger<EscalationSweep> logger)
{
    public const string RecurringJobId = "escalation-sweep";
    public const int BatchSize = 1000;

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Escalation sweep")]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        scope.UseSystemAccess(); // across tenants by nature: it reads ids and hands each to a tenant-scoped escalation
        var now = clock.GetUtcNow();
        var due = await db.Incidents.AsNoTracking()
            .Where(i => i.NextEscalationAt != null && i.NextEscalationAt <= now)
            .OrderBy(i => i.NextEscalationAt).Take(BatchSize)
            .Select(i => new { i.Id, i.TenantId }).ToListAsync(cancellationToken);
        var raised = 0;
        foreach (var incident in due) raised += (await escalator.EscalateAsync(incident.Id, incident.TenantId, cancellationToken)).Raised;
        LogSwept(logger, due.Count, raised);
        return raised;
    }

    /// <summary>One line per run (Information): operators, and the restart test, see that a sweep ran and what it found.</summary>
    [LoggerMessage(Level = LogLevel.Information, Message = "Escalation sweep: {Overdue} overdue, {Raised} escalated")]
    private static partial void LogSwept(ILogger logger, int overdue, int raised);

    /// <summary>At start: the recurring sweep, and one sweep now (what came due while no instance ran).</summary>
    public sealed class Startup(RecurringJobs recurring, IBackgroundJobClient jobs, IConfiguration configuration) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            recurring.AddOrUpdate<EscalationSweep>(RecurringJobId, sweep => sweep.RunAsync(CancellationToken.None),
                configuration["Escalations:SweepCron"] is { Length: > 0 } cron ? cron : Cron.Minutely());
            jobs.Enqueue<EscalationSweep>(sweep => sweep.RunAsync(CancellationToken.None));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

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

/// <summary>How escalation timers reach Hangfire, in one place.</summary>
public static class EscalationTimers
{
    public static string Schedule(IBackgroundJobClient jobs, Guid incidentId, Guid tenantId, TimeSpan delay) =>
        jobs.Schedule<EscalationJob>(job => job.RunAsync(incidentId, tenantId, CancellationToken.None), delay < TimeSpan.Zero ? TimeSpan.Zero : delay);

    /// <summary>One timer for incidents due at the same moment (an advisory fan-out opens hundreds in one commit).</summary>
    public static string ScheduleMany(IBackgroundJobClient jobs, Guid[] incidentIds, Guid[] tenantIds, TimeSpan delay) =>
        jobs.Schedule<EscalationJob>(job => job.RunManyAsync(incidentIds, tenantIds, CancellationToken.None), delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
}
