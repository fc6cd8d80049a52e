using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Portal.Pipeline.Commit;
using StackExchange.Redis;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Carries revocations between instances over Redis pub/sub (<c>SignalR:Redis</c>, the backplane's server). Each instance
/// subscribes to one channel; a revocation is published there, every other instance applies it to its own caches and
/// connections and answers on the publisher's acknowledgement channel. PUBLISH returns how many subscribers got the
/// message, so the publisher knows how many answers to wait for (itself excluded).
/// </summary>
public sealed partial class RevocationRelay(string configuration, AccessRevocation revocation, ILogger<RevocationRelay> logger) : IHostedService, IAsyncDisposable
{
    public static readonly TimeSpan AckTimeout = TimeSpan.FromMilliseconds(800);
    private static readonly RedisChannel Channel = RedisChannel.Literal("portal:revocations");

    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<Guid, Waiting> _waiting = new();
    private ConnectionMultiplexer? _redis;

    private RedisChannel AckChannel => RedisChannel.Literal($"portal:revocations:ack:{_instance}");

    /// <summary>The answers to one revocation; they may arrive before PUBLISH has said how many to expect.</summary>
    private sealed class Waiting
    {
        private int _received;
        private int _expected = int.MaxValue;
        public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Acknowledged()
        {
            if (Interlocked.Increment(ref _received) >= Volatile.Read(ref _expected)) All.TrySetResult();
        }

        public void Expect(int count)
        {
            Volatile.Write(ref _expected, count);
            if (Volatile.Read(ref _received) >= count) All.TrySetResult();
        }
    }

    private sealed record Message(Guid Id, string Origin, Guid[] Users, Guid[] Organisations, Guid[] EntraTenants, DateTimeOffset CommittedAt);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false; // never fail the start: the client keeps reconnecting, subscriptions included
        options.ClientName = "portal-revocations";
        _redis = await ConnectionMultiplexer.ConnectAsync(options);
        if (!await TrySubscribeAsync())
        {
            // Redis is down at start: keep trying in the background. Until then this instance is not counted by PUBLISH, so nobody
            // waits for it, and what it caches is revoked by the 30 s lifetime and the periodic pass only.
            _ = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
                try
                {
                    while (await timer.WaitForNextTickAsync(_stopping.Token) && !await TrySubscribeAsync()) { }
                }
                catch (OperationCanceledException)
                {
                    // stopping
                }
            }, CancellationToken.None);
        }
    }

    private readonly CancellationTokenSource _stopping = new();

    private async Task<bool> TrySubscribeAsync()
    {
        try
        {
            var subscriber = _redis!.GetSubscriber();
            await subscriber.SubscribeAsync(Channel, (channel, value) => { _ = OnRevocationAsync(value); });
            await subscriber.SubscribeAsync(AckChannel, (channel, value) =>
            {
                if (Guid.TryParse(value.ToString(), out var id) && _waiting.TryGetValue(id, out var waiting)) waiting.Acknowledged();
            });
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogSubscribeFailed(logger, e);
            return false;
        }
    }

    /// <summary>Tells the other instances and waits until each has applied it (or <see cref="AckTimeout"/> passed).</summary>
    public async Task PublishAsync(AccessChange change)
    {
        if (_redis is null) return;
        var message = new Message(Guid.NewGuid(), _instance, [.. change.UserIds], [.. change.OrganisationIds], [.. change.EntraTenantIds], change.CommittedAt);
        var waiting = new Waiting();
        _waiting[message.Id] = waiting;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var receivers = await _redis.GetSubscriber().PublishAsync(Channel, JsonSerializer.Serialize(message));
            var others = (int)receivers - 1; // this instance is subscribed too
            if (others <= 0) return;
            waiting.Expect(others);
            await waiting.All.Task.WaitAsync(AckTimeout);
        }
        catch (TimeoutException)
        {
            LogAckTimeout(logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (RedisException e)
        {
            LogPublishFailed(logger, e);
        }
        finally
        {
            _waiting.TryRemove(message.Id, out _);
        }
    }

    private async Task OnRevocationAsync(RedisValue value)
    {
        try
        {
            var message = JsonSerializer.Deserialize<Message>(value.ToString());
            if (message is null || message.Origin == _instance) return;
            await revocation.ApplyAsync(new AccessChange(message.Users, message.Organisations, message.EntraTenants) { CommittedAt = message.CommittedAt }, local: false);
            await _redis!.GetSubscriber().PublishAsync(RedisChannel.Literal($"portal:revocations:ack:{message.Origin}"), message.Id.ToString());
        }
        catch (Exception e)
        {
            LogApplyFailed(logger, e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => _stopping.CancelAsync();

    public async ValueTask DisposeAsync()
    {
        // _stopping is not disposed: the host may stop this service after the container disposed it, and a token without a timer holds nothing.
        if (_redis is not null) await _redis.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to revocations over Redis failed; trying again every 2 s (until then this instance revokes others' changes only after the cache lifetime)")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not every instance acknowledged a revocation within {Elapsed:0} ms; live clients are told of later changes anyway")]
    private static partial void LogAckTimeout(ILogger logger, double elapsed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Publishing a revocation to the other instances failed; they re-decide on their periodic pass")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying another instance's revocation failed")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception);
}
