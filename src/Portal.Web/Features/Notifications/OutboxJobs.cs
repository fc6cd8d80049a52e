using Hangfire;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Jobs;

namespace Portal.Features.Notifications;

/// <summary>How delivery reaches Hangfire, in one place.</summary>
public static class OutboxJobs
{
    public static string Enqueue(IBackgroundJobClient jobs, Guid[] ids) => jobs.Enqueue<OutboxSweep>(d => d.DeliverThenSweepAsync(ids, CancellationToken.None));

    public static string Schedule(IBackgroundJobClient jobs, Guid[] ids, TimeSpan delay) => jobs.Schedule<OutboxDelivery>(d => d.DeliverAsync(ids, CancellationToken.None), delay);

    /// <summary>
    /// At start: the recurring sweep, and one sweep now (what a stopped or killed instance committed and never sent); the daily
    /// retention clean-up.
    /// </summary>
    public sealed class Startup(RecurringJobs recurring, IBackgroundJobClient jobs, IOptions<NotificationOptions> options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            recurring.AddOrUpdate<OutboxSweep>(OutboxSweep.RecurringJobId, sweep => sweep.RunAsync(CancellationToken.None), options.Value.SweepCron);
            jobs.Enqueue<OutboxSweep>(sweep => sweep.RunAsync(CancellationToken.None));
            recurring.AddOrUpdate<OutboxRetention>(OutboxRetention.RecurringJobId, retention => retention.RunAsync(CancellationToken.None), options.Value.RetentionCron);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
