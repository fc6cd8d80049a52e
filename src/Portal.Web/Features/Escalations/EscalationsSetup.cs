using Portal.Infrastructure.Time;
using Portal.Pipeline.Commit;

namespace Portal.Features.Escalations;

public static class EscalationsSetup
{
    /// <summary>
    /// Escalation clocks planned in the save that opens or moves an incident, timers after the commit, the job, the sweep; and the
    /// development-only clock offset (<c>Testing:ClockOffset</c>) the restart test uses to be "after the due time" without waiting.
    /// </summary>
    public static void AddEscalations(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureDbContext<Portal.Data.PortalDbContext>(o => o.AddInterceptors(new PlanEscalationsOnSave()));
        builder.Services.AddSingleton<IncidentEscalator>();
        builder.Services.AddScoped<EscalationJob>();
        builder.Services.AddScoped<EscalationSweep>();
        builder.Services.AddSingleton<ICommitReaction, ScheduleEscalationTimers>();
        // Before the sweep's start-up, whose first sweep then escalates what the demo's clocks find overdue.
        builder.Services.AddHostedService<DemoEscalationClocks>();
        builder.Services.AddHostedService<EscalationSweep.Startup>();
        if (builder.Environment.IsDevelopment() && builder.Configuration.GetValue<TimeSpan?>("Testing:ClockOffset") is { } offset && offset != TimeSpan.Zero)
            builder.Services.AddSingleton<TimeProvider>(new OffsetTimeProvider(StoredPrecisionClock.SystemClock, offset));
    }
}

/// <summary>Development only: the system clock moved by a fixed offset (Testing:ClockOffset, e.g. 00:20:00), so a test can start Portal "later".</summary>
public sealed class OffsetTimeProvider(TimeProvider inner, TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + offset;
    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;
    public override long GetTimestamp() => inner.GetTimestamp();
    public override long TimestampFrequency => inner.TimestampFrequency;
}
