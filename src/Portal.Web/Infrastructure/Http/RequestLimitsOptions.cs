namespace Portal.Infrastructure.Http;

/// <summary>
/// How much a request body may be, per kind of route, and how slowly it may arrive (section <c>RequestLimits</c>).
/// The device import has its own limit, <c>Remediation:Import:MaxBytes</c>.
/// </summary>
public sealed class RequestLimitsOptions
{
    public const string Section = "RequestLimits";

    /// <summary>JSON bodies of the API and the hub (and any route not named below).</summary>
    public long JsonBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The advisory routes: a runbook of 20,000 characters, which JSON may escape to 6 bytes each.</summary>
    public long LongTextBodyBytes { get; set; } = 256 * 1024;

    /// <summary>Bulk task updates: up to 10,000 items of an external id (up to 128 characters) or a task id.</summary>
    public long BulkBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Page form posts (url-encoded).</summary>
    public long FormBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Most fields one form post may have (the framework's default).</summary>
    public int FormValueCount { get; set; } = 1024;

    /// <summary>A body arriving slower than this (after the grace period) is cut off with 408: a slow-body attack holds no connection for long.</summary>
    public double MinBodyBytesPerSecond { get; set; } = 240;

    public TimeSpan MinBodyRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);
}
