using System.Linq.Expressions;
using Hangfire;

namespace Portal.Infrastructure.Jobs;

/// <summary>
/// Registers each feature's recurring sweep at start without making the start depend on it. Hangfire takes a distributed lock
/// per recurring job to change it; a process killed while its scheduler held one leaves the lock behind (the PostgreSQL and SQL
/// Server storages keep it until it times out, ten minutes later by default), and <c>AddOrUpdate</c> then throws after its wait,
/// which stopped the next start ("Hosting failed to start") — during an outage, the restart that matters most. The job is
/// stored already from the earlier run, so the app starts without waiting for it: the registration runs in the background and
/// is tried again every <c>Jobs:RecurringRetrySeconds</c> (default 30) until it lands or the app stops.
/// </summary>
public sealed partial class RecurringJobs(IRecurringJobManager recurring, IHostApplicationLifetime lifetime, IConfiguration configuration, ILogger<RecurringJobs> logger)
{
    private TimeSpan RetryEvery => TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("Jobs:RecurringRetrySeconds", 30)));

    /// <summary>Registers (or updates) the job in the background: at once, then every retry period until it lands.</summary>
    public void AddOrUpdate<T>(string id, Expression<Func<T, Task>> call, string cron) =>
        _ = Task.Run(() => RegisterAsync(id, call, cron, lifetime.ApplicationStopping));

    private async Task RegisterAsync<T>(string id, Expression<Func<T, Task>> call, string cron, CancellationToken stopping)
    {
        if (TryAddOrUpdate(id, call, cron, attempt: 1)) return;
        using var timer = new PeriodicTimer(RetryEvery);
        try
        {
            for (var attempt = 2; await timer.WaitForNextTickAsync(stopping); attempt++)
            {
                if (TryAddOrUpdate(id, call, cron, attempt)) return;
            }
        }
        catch (OperationCanceledException)
        {
            // The app stopped first; the next start tries again.
        }
    }

    private bool TryAddOrUpdate<T>(string id, Expression<Func<T, Task>> call, string cron, int attempt)
    {
        try
        {
            recurring.AddOrUpdate(id, call, cron);
            if (attempt > 1) LogRegistered(id, attempt);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotYet(e, id, RetryEvery.TotalSeconds);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recurring job {JobId} could not be registered yet (a lock left by a stopped process?); the stored schedule stays in force, trying again in {Seconds} s.")]
    private partial void LogNotYet(Exception exception, string jobId, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {JobId} registered (attempt {Attempt}).")]
    private partial void LogRegistered(string jobId, int attempt);
}
