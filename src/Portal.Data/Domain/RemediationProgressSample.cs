namespace Portal.Domain;

/// <summary>
/// One point of an incident's burn-down: how many tasks there were and how many were finished at that moment, and of those how
/// many were found not to need doing (so the chart's "done" is what was restored, as the counts above it say).
/// </summary>
public sealed class RemediationProgressSample
{
    private RemediationProgressSample() { }

    internal RemediationProgressSample(RemediationProgress progress, DateTimeOffset at)
    {
        Id = Guid.CreateVersion7(at);
        IncidentId = progress.IncidentId;
        TenantId = progress.TenantId;
        At = at;
        Total = progress.Total;
        Completed = progress.Completed;
        Failed = progress.Failed;
        NotApplicable = progress.NotApplicable;
    }

    public Guid Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public Guid TenantId { get; private set; }
    public DateTimeOffset At { get; private set; }
    public int Total { get; private set; }
    public int Completed { get; private set; }
    public int Failed { get; private set; }

    /// <summary>Finished as not applicable: part of <see cref="Completed"/>, not restored. Zero in samples from before it was kept.</summary>
    public int NotApplicable { get; private set; }
    public int Remaining => Total - Completed;
}
