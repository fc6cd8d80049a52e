namespace Portal.Features.Notifications;

/// <summary>Settings under <c>Notifications</c> (docs/operations.md).</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>Where the links in emails point (the unsubscribe link): Portal's public address.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:5000";

    /// <summary>
    /// Development only (ignored elsewhere): webhook and Teams URLs may be http and reach loopback and private addresses.
    /// Outside Development they must be https and resolve to public addresses only, checked at registration and at every send.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>After the commit, a job delivers the new rows at once (false: only the sweep delivers; for tests and drills).</summary>
    public bool FastPath { get; set; } = true;

    /// <summary>How long one webhook/Teams request or SMTP exchange may take before it counts as failed.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Tries per message, the first included; then the message is Failed (visible in the delivery log).</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait after the first failure; it doubles after each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a rotated-out webhook secret still signs (both signatures are sent meanwhile).</summary>
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long the unsubscribe link in an email works.</summary>
    public TimeSpan UnsubscribeLinkLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The recurring sweep that delivers whatever is due and was not handed out (a process died after its commit).</summary>
    public string SweepCron { get; set; } = "* * * * *";

    /// <summary>How long a delivered message and its attempts stay in the outbox and the delivery log, from its last try.</summary>
    public TimeSpan RetainDeliveredFor { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long a message that failed for good stays, from its last try: longer, it is what someone has to look into.</summary>
    public TimeSpan RetainFailedFor { get; set; } = TimeSpan.FromDays(90);

    /// <summary>The daily clean-up (<see cref="OutboxRetention"/>), at a quiet hour.</summary>
    public string RetentionCron { get; set; } = "17 3 * * *";

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>The wait before try number <paramref name="attemptsSoFar"/> + 1.</summary>
    public TimeSpan RetryDelayAfter(int attemptsSoFar)
    {
        var factor = Math.Pow(2, Math.Clamp(attemptsSoFar - 1, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(FirstRetryDelay.Ticks * factor, MaxRetryDelay.Ticks));
        return delay;
    }

    /// <summary>A claim outlives the longest send it covers; after it, another worker may try the message again.</summary>
    public TimeSpan Lease => SendTimeout * 2 + TimeSpan.FromSeconds(30);
}

/// <summary><c>Notifications:Smtp:*</c>: the relay Portal sends email through (MailKit).</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 587;

    /// <summary>None, Auto, SslOnConnect, StartTls, StartTlsWhenAvailable (MailKit's SecureSocketOptions).</summary>
    public string Security { get; set; } = "StartTls";

    /// <summary>What <see cref="Security"/> may say (MailKit's <c>SecureSocketOptions</c>, by name).</summary>
    public static readonly string[] SecurityNames = Enum.GetNames<MailKit.Security.SecureSocketOptions>();
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "Portal <notifications@portal.example>";
}
