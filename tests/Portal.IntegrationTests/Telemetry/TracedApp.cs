using System.Collections;
using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Portal.IntegrationTests.Telemetry;

/// <summary>
/// The real app with its real telemetry composition, plus in-memory exporters the tests read: spans, metrics, and
/// the log entries (category, trace, scopes) the OpenTelemetry logging provider hands to its processors.
/// EF Core's command log is turned on (Information) for the OpenTelemetry provider only, so entries written inside
/// a request exist; the console stays at Warning.
/// </summary>
public sealed class TracedApp() : PortalApp(DbProvider.Sqlite, null)
{
    public LockedCollection<Activity> Spans { get; } = new();
    public LockedCollection<Metric> Metrics { get; } = new();
    public LockedCollection<LoggedEntry> Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Logging:LogLevel:Portal", "Information");
        builder.UseSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command", "Information");
        builder.UseSetting("Logging:Console:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:Console:LogLevel:Microsoft.EntityFrameworkCore.Database.Command", "Warning");
        builder.ConfigureTestServices(services =>
        {
            services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Spans));
            services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(Metrics));
            services.ConfigureOpenTelemetryLoggerProvider(l => l.AddProcessor(new CapturingLogProcessor(Logs)));
        });
    }

    /// <summary>Copies what the test needs while the record is alive (log records are pooled and reused after export).</summary>
    private sealed class CapturingLogProcessor(LockedCollection<LoggedEntry> entries) : BaseProcessor<LogRecord>
    {
        public override void OnEnd(LogRecord data)
        {
            var scopes = new List<KeyValuePair<string, object?>>();
            data.ForEachScope(static (scope, list) =>
            {
                foreach (var pair in scope) list.Add(pair);
            }, scopes);
            entries.Add(new LoggedEntry(data.CategoryName ?? "", data.TraceId, scopes));
        }
    }
}

public sealed record LoggedEntry(string Category, ActivityTraceId TraceId, IReadOnlyList<KeyValuePair<string, object?>> Scopes)
{
    public object? Scope(string key) => Scopes.LastOrDefault(p => p.Key == key).Value;
}

/// <summary>The exporters add from whichever thread ends a span or a log entry; the test reads snapshots.</summary>
public sealed class LockedCollection<T> : ICollection<T>
{
    private readonly List<T> _items = [];

    public List<T> Snapshot()
    {
        lock (_items) return [.. _items];
    }

    public void Add(T item)
    {
        lock (_items) _items.Add(item);
    }

    public void Clear()
    {
        lock (_items) _items.Clear();
    }

    public bool Contains(T item)
    {
        lock (_items) return _items.Contains(item);
    }

    public void CopyTo(T[] array, int arrayIndex)
    {
        lock (_items) _items.CopyTo(array, arrayIndex);
    }

    public bool Remove(T item)
    {
        lock (_items) return _items.Remove(item);
    }

    public int Count
    {
        get
        {
            lock (_items) return _items.Count;
        }
    }

    public bool IsReadOnly => false;

    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
