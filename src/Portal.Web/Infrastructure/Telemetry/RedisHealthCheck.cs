using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Portal.Infrastructure.Telemetry;

/// <summary>
/// Readiness of the Redis backplane (<c>SignalR:Redis</c>): one PING over a connection of its own, kept open and
/// reconnected by the client after an outage. A refused or slow PING is unhealthy; the registration's timeout bounds it.
/// </summary>
public sealed class RedisHealthCheck(string configuration) : IHealthCheck, IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private ConnectionMultiplexer? _connection;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await ConnectAsync(cancellationToken);
            var latency = await connection.GetDatabase().PingAsync().WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"PING answered in {latency.TotalMilliseconds:0.#} ms");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"Redis did not answer PING: {e.Message}", e);
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } existing) return existing;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { } raced) return raced;
            var options = ConfigurationOptions.Parse(configuration);
            // Never throw at connect: the multiplexer keeps reconnecting in the background and PING tells the state.
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = Math.Min(options.ConnectTimeout, (int)ConnectTimeout.TotalMilliseconds);
            options.ClientName = "portal-health";
            return _connection = await ConnectionMultiplexer.ConnectAsync(options);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
        _gate.Dispose();
    }
}
