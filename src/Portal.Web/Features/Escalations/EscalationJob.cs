using System.ComponentModel;
using Hangfire;

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
        var (raised, nextAt, replanned) = await escalator.EscalateAsync(incidentId, tenantId, cancellationToken);
        // Nothing fired, yet due within a minute: Hangfire ran the job early (it may, by up to a second). Try again at the due
        // time — also when that moment passed while this job ran (a zero delay runs it at once); left alone, the escalation
        // would wait for the minute's sweep. Further away, the plan's own timer and the sweep cover it, unless this run moved the
        // time itself (a policy's levels changed): no commit of an entry set a timer for that one, so it is set here.
        if (raised == 0 && nextAt is { } at && at - clock.GetUtcNow() is var wait && (wait <= TimeSpan.FromMinutes(1) || replanned))
            EscalationTimers.Schedule(jobs, incidentId, tenantId, wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
    }

    /// <summary>The timer of incidents due together: each as its own job would (a retry repeats the batch; each run is idempotent).</summary>
    [AutomaticRetry(Attempts = 3)]
    [DisplayName("Escalation of incidents due together")]
    public async Task RunManyAsync(Guid[] incidentIds, Guid[] tenantIds, CancellationToken cancellationToken)
    {
        for (var i = 0; i < incidentIds.Length; i++) await RunAsync(incidentIds[i], tenantIds[i], cancellationToken);
    }
}
