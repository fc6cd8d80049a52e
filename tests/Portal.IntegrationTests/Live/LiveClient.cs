using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Portal.IntegrationTests.Live;

public sealed record LiveMessage(string Method, JsonElement Payload)
{
    public string Stream => Payload.GetProperty("stream").GetString()!;
    public long Sequence => Payload.TryGetProperty("sequence", out var s) ? s.GetInt64() : -1;
    public string? EntryText => Payload.TryGetProperty("entry", out var e) ? e.GetProperty("text").GetString() : null;
    public string? EntryVisibility => Payload.TryGetProperty("entry", out var e) ? e.GetProperty("visibility").GetString() : null;
    public Guid? IncidentId => Payload.TryGetProperty("incident", out var i) ? i.GetProperty("id").GetGuid()
        : Payload.TryGetProperty("incidentId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetGuid() : null;
    public string? Status => Payload.TryGetProperty("incident", out var i) ? i.GetProperty("status").GetString() : null;
    public override string ToString() => $"{Method} {Payload}";
}

/// <summary>A real .NET SignalR client on the status hub, recording everything it is sent.</summary>
public sealed class LiveClient : IAsyncDisposable
{
    public static readonly string[] Methods =
        ["IncidentCreated", "IncidentChanged", "IncidentAssigned", "TimelineEntryAdded", "TaskProgress", "ImportProgress", "AdvisoryPublished", "AdvisoryUpdated", "AdvisoryImpactChanged", "EscalationRaised"];

    private readonly ConcurrentQueue<LiveMessage> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private LiveClient(HubConnection connection, string name)
    {
        Connection = connection;
        Name = name;
        foreach (var method in Methods)
        {
            connection.On<JsonElement>(method, payload =>
            {
                _received.Enqueue(new LiveMessage(method, payload));
                _arrived.Release();
            });
        }
    }

    public HubConnection Connection { get; }
    public string Name { get; }
    public IReadOnlyList<LiveMessage> Received => [.. _received];

    public static async Task<LiveClient> ConnectAsync(Uri server, string token, string name)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server, "/hubs/status"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var client = new LiveClient(connection, name);
        await connection.StartAsync();
        return client;
    }

    /// <summary>Waits until a message matching <paramref name="match"/> has arrived (or fails with what did arrive).</summary>
    public async Task<LiveMessage> WaitForAsync(Func<LiveMessage, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var found = _received.FirstOrDefault(match);
            if (found is not null) return found;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"{Name} did not receive the expected event; it received:\n{string.Join("\n", _received)}");
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        _arrived.Dispose();
    }
}
