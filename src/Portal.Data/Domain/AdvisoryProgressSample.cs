namespace Portal.Domain;

/// <summary>
/// One point of an advisory's burn-down, summed over the linked incidents of the tenants it targeted then: the provider's chart
/// reads these (a few per minute of work at most) instead of every sample of every linked incident. Numbers only, like the
/// provider's whole view of an advisory's reach; visible to the advisory's provider alone.
/// </summary>
public sealed class AdvisoryProgressSample
{
    private AdvisoryProgressSample() { }

    public AdvisoryProgressSample(Guid advisoryId, Guid providerId, DateTimeOffset at, int total, int completed, int failed, int notApplicable)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfNegative(completed);
        ArgumentOutOfRangeException.ThrowIfNegative(failed);
        ArgumentOutOfRangeException.ThrowIfNegative(notApplicable);
        if (notApplicable > completed) throw new ArgumentOutOfRangeException(nameof(notApplicable), "More tasks not applicable than finished.");
        if (completed + failed > total) throw new ArgumentOutOfRangeException(nameof(completed), "More tasks finished than there are.");
        Id = Guid.CreateVersion7(at);
        AdvisoryId = advisoryId;
        ProviderId = providerId;
        At = at;
        Total = total;
        Completed = completed;
        Failed = failed;
        NotApplicable = notApplicable;
    }

    public Guid Id { get; private set; }
    public Guid AdvisoryId { get; private set; }
    public Guid ProviderId { get; private set; }
    public DateTimeOffset At { get; private set; }
    public int Total { get; private set; }
    public int Completed { get; private set; }
    public int Failed { get; private set; }

    /// <summary>Finished as not applicable: part of <see cref="Completed"/>, not restored. Zero in samples from before it was kept.</summary>
    public int NotApplicable { get; private set; }
}
