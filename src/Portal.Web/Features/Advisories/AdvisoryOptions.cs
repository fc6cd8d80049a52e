namespace Portal.Features.Advisories;

/// <summary><c>Advisories</c>: background work on advisories.</summary>
public sealed class AdvisoryOptions
{
    public const string Section = "Advisories";

    /// <summary>When <see cref="AdvisoryProgressSampler"/> records the providers' burn-downs (Hangfire cron; the default is every minute).</summary>
    public string ProgressSamplerCron { get; set; } = "* * * * *";

    /// <summary>Devices per transaction when a fan-out creates its tasks (<see cref="FanOutTasks.ChunkSize"/> by default).</summary>
    public int FanOutChunkSize { get; set; } = FanOutTasks.ChunkSize;
}
