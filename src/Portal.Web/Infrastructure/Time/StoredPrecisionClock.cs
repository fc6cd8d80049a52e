namespace Portal.Infrastructure.Time;

/// <summary>
/// The clock Portal stamps its records with: the system's, cut to <see cref="Precision"/> (0.1 ms), the finest time every store
/// keeps (SQLite's converter 0.1 ms, PostgreSQL 1 µs, SQL Server 100 ns). So a write's answer carries exactly the times a later
/// read of the same record does: with the system's 100 ns ticks an incident's <c>createdAt</c> in the 201 differed from the one
/// its GET answered, and a client comparing them saw two moments. No coarser than that, so records keep the order they had.
/// </summary>
public sealed class StoredPrecisionClock(TimeProvider inner) : TimeProvider
{
    public static readonly TimeSpan Precision = TimeSpan.FromTicks(1_000);

    /// <summary>The system clock at the stored precision: the one Portal registers.</summary>
    public static StoredPrecisionClock SystemClock { get; } = new(TimeProvider.System);

    public override DateTimeOffset GetUtcNow()
    {
        var ticks = inner.GetUtcNow().UtcTicks;
        return new DateTimeOffset(ticks - ticks % Precision.Ticks, TimeSpan.Zero);
    }

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;
    public override long GetTimestamp() => inner.GetTimestamp();
    public override long TimestampFrequency => inner.TimestampFrequency;
}
