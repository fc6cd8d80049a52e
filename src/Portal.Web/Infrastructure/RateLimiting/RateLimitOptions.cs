namespace Portal.Infrastructure.RateLimiting;

/// <summary>
/// The <c>RateLimits</c> section: one token bucket per user, per organisation, per anonymous client address, and tighter
/// ones per user for uploads and bulk updates. Defaults are far above what a person's browser or an RMM script does, so
/// only a runaway client meets them (docs/operations.md, "Rate limits").
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>API requests, hub negotiations and hub method calls of one signed-in user.</summary>
    public RateLimit PerUser { get; set; } = new() { Burst = 1000, PerMinute = 1200 };

    /// <summary>The same, summed over every user of one organisation: one tenant cannot use up the service for the others.</summary>
    public RateLimit PerOrganisation { get; set; } = new() { Burst = 5000, PerMinute = 6000 };

    /// <summary>Requests without a Portal user (sign-in, the public feed, unsubscribe links, refused tokens) per client address.</summary>
    public RateLimit PerAnonymousAddress { get; set; } = new() { Burst = 600, PerMinute = 600 };

    /// <summary>Device import uploads per user (each may carry hundreds of thousands of rows).</summary>
    public RateLimit Uploads { get; set; } = new() { Burst = 20, PerMinute = 20 };

    /// <summary>Bulk task state updates per user (each may change thousands of tasks).</summary>
    public RateLimit BulkUpdates { get; set; } = new() { Burst = 120, PerMinute = 600 };
}

/// <summary>A token bucket: <see cref="Burst"/> requests at once, refilled at <see cref="PerMinute"/>.</summary>
public sealed class RateLimit
{
    public int Burst { get; set; }

    public int PerMinute { get; set; }

    public bool IsValid => Burst > 0 && PerMinute > 0;
}
