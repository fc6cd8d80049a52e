namespace Portal.Features.Advisories;

/// <summary><c>Advisories</c>: background work on advisories.</summary>
public sealed class AdvisoryOptions
{
    public const string Section = "Advisories";

    /// <summary>When <see cref="AdvisoryProgressSampler"/> records the providers' burn-downs (Hangfire cron; the default is every minute).</summary>
    public string ProgressSamplerCron { get; set; } = "* * * * *";

    /// <summary>Devices per transaction when a fan-out creates its tasks (<see cref="FanOutTasks.ChunkSize"/> by default).</summary>
    public int FanOutChunkSize { get; set; } = FanOutTasks.ChunkSize;

    /// <summary>
    /// How long a fan-out's caller waits for its tasks before the answer (<see cref="FanOutActions"/>): what is left is created in
    /// the background. Five seconds make about 300,000 tasks on the development machine (16 s for a million).
    /// </summary>
    public TimeSpan FanOutAnswerWithin { get; set; } = TimeSpan.FromSeconds(5);
}
