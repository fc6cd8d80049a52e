using System.Diagnostics;

namespace Portal.IntegrationTests;

/// <summary>
/// The names of EF Core's diagnostic events raised under one trace id, in order, whatever runs beside it. EF Core remembers for a
/// second, per pooled context, whether anyone listens to an event: wait about that long after <see cref="Of"/> before the work.
/// </summary>
public sealed class EfCoreEvents : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly ActivityTraceId _traceId;
    private readonly List<string> _names = [];
    private readonly List<IDisposable> _subscriptions = [];

    private EfCoreEvents(ActivityTraceId traceId) => _traceId = traceId;

    public static EfCoreEvents Of(ActivityTraceId traceId)
    {
        var events = new EfCoreEvents(traceId);
        lock (events._subscriptions) events._subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(events));
        return events;
    }

    public List<string> Names()
    {
        lock (_names) return [.. _names];
    }

    public void OnNext(DiagnosticListener listener)
    {
        if (listener.Name != "Microsoft.EntityFrameworkCore") return;
        lock (_subscriptions) _subscriptions.Add(listener.Subscribe(this));
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (Activity.Current?.TraceId != _traceId) return;
        lock (_names) _names.Add(value.Key);
    }

    public void OnCompleted() { }
    public void OnError(Exception error) { }

    public void Dispose()
    {
        lock (_subscriptions) _subscriptions.ForEach(s => s.Dispose());
    }
}
