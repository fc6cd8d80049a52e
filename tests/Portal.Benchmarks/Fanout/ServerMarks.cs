using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Benchmarks.Fanout;

/// <summary>
/// When the server side of a fan-out change was ready to broadcast, on the machine's monotonic clock
/// (<see cref="Stopwatch.GetTimestamp"/> is CLOCK_MONOTONIC on Linux: the same clock in the driver's process):
/// for Portal the moment its command's transaction committed (EF Core's TransactionCommitted diagnostic event,
/// in a request that carries <see cref="Header"/>), for the bare hub the moment its endpoint starts sending.
/// The driver subtracts it from each receipt: what happens after the commit is Portal's broadcast logic plus
/// the same SignalR and socket path the bare hub takes. Nothing is added to Portal's DbContext options; the
/// listener sees only TransactionCommitted events and only exists in the fan-out host.
/// </summary>
public sealed class ServerMarks : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    /// <summary>The request header the driver puts the change id in (Portal ignores it).</summary>
    public const string Header = "X-Bench-Change";

    private static readonly string TransactionCommitted = RelationalEventId.TransactionCommitted.Name!;

    private readonly ConcurrentDictionary<int, long> _marks = new();
    private readonly List<IDisposable> _subscriptions = [];
    // The request in flight, from the static AsyncLocal the host fills in (PortalHost registers IHttpContextAccessor).
    private readonly HttpContextAccessor _http = new();

    private ServerMarks() { }

    public static ServerMarks Start()
    {
        var marks = new ServerMarks();
        lock (marks._subscriptions) marks._subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(marks));
        return marks;
    }

    /// <summary>The bare endpoint marks its change itself, just before its first send.</summary>
    public void Mark(int change) => _marks[change] = Stopwatch.GetTimestamp();

    /// <summary>"id timestamp" lines.</summary>
    public string Snapshot()
    {
        var text = new StringBuilder();
        foreach (var (id, at) in _marks) text.Append(CultureInfo.InvariantCulture, $"{id} {at}\n");
        return text.ToString();
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (value.Name != DbLoggerCategory.Name) return;
        lock (_subscriptions) _subscriptions.Add(value.Subscribe(this, name => name == TransactionCommitted));
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != TransactionCommitted) return;
        var at = Stopwatch.GetTimestamp();
        // The command's commit is the last one in its request: later commits of the same change overwrite earlier ones.
        if (_http.HttpContext?.Request.Headers[Header] is [{ } id] && int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var change))
            _marks[change] = at;
    }

    void IObserver<DiagnosticListener>.OnCompleted() { }
    void IObserver<DiagnosticListener>.OnError(Exception error) { }
    void IObserver<KeyValuePair<string, object?>>.OnCompleted() { }
    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error) { }

    public void Dispose()
    {
        lock (_subscriptions)
        {
            foreach (var subscription in _subscriptions) subscription.Dispose();
            _subscriptions.Clear();
        }
    }
}
