namespace Portal.Features.Live;

/// <summary>Runs <see cref="LiveConnections.RevalidateAsync"/> on a timer; a lost membership stops reaching a socket within this period plus the access cache's lifetime.</summary>
public sealed class RevalidateLiveConnections(LiveConnections connections, ILogger<RevalidateLiveConnections> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await connections.RevalidateAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Revalidating live connections failed; trying again in {Period}", Period);
            }
        }
    }
}
