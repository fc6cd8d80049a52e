using Hangfire;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Jobs;

namespace Portal.Features.Remediation;

/// <summary>How imports reach Hangfire, in one place.</summary>
public static class DeviceImportJobs
{
    public static string Enqueue(IBackgroundJobClient jobs, Guid importId) =>
        jobs.Enqueue<DeviceImportJob>(job => job.RunAsync(importId, CancellationToken.None));

    /// <summary>
    /// At start: the recurring sweep (Remediation:Import:SweepCron), one sweep now (queued imports a stopped instance never
    /// handed out) and one when the imports a killed process was running become stale (their heartbeat stopped with it).
    /// </summary>
    public sealed class Startup(RecurringJobs recurring, IBackgroundJobClient jobs, IOptions<DeviceImportOptions> options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            recurring.AddOrUpdate<DeviceImportSweep>(DeviceImportSweep.RecurringJobId, sweep => sweep.RunAsync(CancellationToken.None), options.Value.SweepCron);
            jobs.Enqueue<DeviceImportSweep>(sweep => sweep.RunAsync(CancellationToken.None));
            jobs.Schedule<DeviceImportSweep>(sweep => sweep.RunAsync(CancellationToken.None), options.Value.StaleAfter + TimeSpan.FromSeconds(1));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
