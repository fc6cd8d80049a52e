using System.ComponentModel;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Infrastructure.Jobs;

namespace Portal.Features.Escalations;

/// <summary>
/// The safety net (every minute, and once at start): ONE query finds every incident, in every tenant, whose next escalation is
/// overdue (the <c>NextEscalationAt</c> index), oldest first; each is escalated in a scope of its own tenant. What a lost delayed
/// job left (a restart past the due time, storage that lost it) therefore still fires, once: the unique index decides a race.
/// </summary>
public sealed partial class EscalationSweep(PortalDbContext db, TenantScope scope, IncidentEscalator escalator, TimeProvider clock, ILogger<EscalationSweep> logger)
{
    public const string RecurringJobId = "escalation-sweep";
    public const int BatchSize = 1000;

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Escalation sweep")]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        scope.UseSystemAccess(); // across tenants by nature: it reads ids and hands each to a tenant-scoped escalation
        var now = clock.GetUtcNow();
        var due = await db.Incidents.AsNoTracking()
            .Where(i => i.NextEscalationAt != null && i.NextEscalationAt <= now)
            .OrderBy(i => i.NextEscalationAt).Take(BatchSize)
            .Select(i => new { i.Id, i.TenantId }).ToListAsync(cancellationToken);
        var raised = 0;
        foreach (var incident in due) raised += (await escalator.EscalateAsync(incident.Id, incident.TenantId, cancellationToken)).Raised;
        LogSwept(logger, due.Count, raised);
        return raised;
    }

    /// <summary>One line per run (Information): operators, and the restart test, see that a sweep ran and what it found.</summary>
    [LoggerMessage(Level = LogLevel.Information, Message = "Escalation sweep: {Overdue} overdue, {Raised} escalated")]
    private static partial void LogSwept(ILogger logger, int overdue, int raised);

    /// <summary>At start: the recurring sweep, and one sweep now (what came due while no instance ran).</summary>
    public sealed class Startup(RecurringJobs recurring, IBackgroundJobClient jobs, IConfiguration configuration) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            recurring.AddOrUpdate<EscalationSweep>(RecurringJobId, sweep => sweep.RunAsync(CancellationToken.None),
                configuration["Escalations:SweepCron"] is { Length: > 0 } cron ? cron : Cron.Minutely());
            jobs.Enqueue<EscalationSweep>(sweep => sweep.RunAsync(CancellationToken.None));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
