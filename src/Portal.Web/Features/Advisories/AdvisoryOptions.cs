namespace Portal.Features.Advisories;

/// <summary><c>Advisories</c>: background work on advisories.</summary>
public sealed class AdvisoryOptions
{
    public const string Section = "Advisories";

    /// <summary>When <see cref="AdvisoryProgressSampler"/> records the providers' burn-downs (Hangfire cron; the default is every minute).</summary>
    public string ProgressSamplerCron { get; set; } = "* * * * *";
}
