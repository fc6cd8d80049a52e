using Hangfire;

namespace Portal.Features.Escalations;

/// <summary>How escalation timers reach Hangfire, in one place.</summary>
public static class EscalationTimers
{
    public static string Schedule(IBackgroundJobClient jobs, Guid incidentId, Guid tenantId, TimeSpan delay) =>
        jobs.Schedule<EscalationJob>(job => job.RunAsync(incidentId, tenantId, CancellationToken.None), delay < TimeSpan.Zero ? TimeSpan.Zero : delay);

    /// <summary>One timer for incidents due at the same moment (an advisory fan-out opens hundreds in one commit).</summary>
    public static string ScheduleMany(IBackgroundJobClient jobs, Guid[] incidentIds, Guid[] tenantIds, TimeSpan delay) =>
        jobs.Schedule<EscalationJob>(job => job.RunManyAsync(incidentIds, tenantIds, CancellationToken.None), delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
}
