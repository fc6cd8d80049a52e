using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Benchmarks.Fanout;

/// <summary>
/// Where a change request's time goes on the server, read from the spans Portal's telemetry already makes (the ASP.NET Core
/// request, the command's own span, each EF Core command): from the request's start to the command's, the command's database
/// commands one by one and the gaps between them, and from the command's end to the request's. Then the same command step by
/// step: EF Core's connection, transaction and save events placed between those spans, so that the time before, between and
/// after the statements has names (opening the pooled connection, <c>BEGIN</c>, EF's save preparation, <c>COMMIT</c>), and what
/// the request's thread allocated from opening the connection to the commit. A diagnostic of the fan-out host
/// (<c>GET /bench/phases</c>, only with <c>BENCH_PHASES=1</c>), not a published figure: listening to EF Core's events makes EF
/// build their payloads, which a measured run must not pay for.
/// </summary>
public sealed class RequestPhases : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private const int Kept = 2_000;

    /// <summary>EF Core's events placed between the spans, and the short names the report gives them.</summary>
    private static readonly Dictionary<string, string> EfEvents = new(StringComparer.Ordinal)
    {
        [RelationalEventId.ConnectionOpening.Name!] = "connection opening",
        [RelationalEventId.ConnectionOpened.Name!] = "connection opened",
        [RelationalEventId.TransactionStarting.Name!] = "BEGIN sent",
        [RelationalEventId.TransactionStarted.Name!] = "BEGIN done",
        [RelationalEventId.CommandExecuting.Name!] = "executing",
        [CoreEventId.SaveChangesStarting.Name!] = "SaveChanges starting",
        [CoreEventId.SaveChangesCompleted.Name!] = "SaveChanges done",
        [RelationalEventId.TransactionCommitting.Name!] = "COMMIT sent",
        [RelationalEventId.TransactionCommitted.Name!] = "COMMIT done",
    };

    private readonly ActivityListener _listener;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly ConcurrentDictionary<ActivityTraceId, ConcurrentQueue<Activity>> _open = new();
    private readonly ConcurrentDictionary<ActivityTraceId, ConcurrentQueue<EfEvent>> _efEvents = new();
    private readonly ConcurrentQueue<Phases> _done = new();

    private sealed record EfEvent(string Name, DateTime At, int Thread, long Allocated);

    /// <summary>One request: the coarse phases, its marks in time order (name, ms since the request started), and bytes allocated.</summary>
    private sealed record Phases(double Total, double BeforeCommand, double Command, double AfterCommand, double[] Database, double[] GapsBeforeDatabase,
        (string Name, double At)[] Marks, long? AllocatedToCommit);

    public RequestPhases()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "Portal" or "OpenTelemetry.Instrumentation.EntityFrameworkCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None, // the application's own sampling decides
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
        lock (_subscriptions) _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (value.Name != DbLoggerCategory.Name) return;
        lock (_subscriptions) _subscriptions.Add(value.Subscribe(this, name => EfEvents.ContainsKey(name)));
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        // Inside a request the current activity is its span (or a child of it): the trace id ties the event to the request.
        if (Activity.Current is not { } current || !EfEvents.TryGetValue(value.Key, out var name)) return;
        _efEvents.GetOrAdd(current.TraceId, _ => new()).Enqueue(
            new EfEvent(name, DateTime.UtcNow, Environment.CurrentManagedThreadId, GC.GetAllocatedBytesForCurrentThread()));
    }

    private void Stopped(Activity activity)
    {
        if (activity.Parent is not null || activity.Source.Name != "Microsoft.AspNetCore")
        {
            if (activity.Source.Name != "Microsoft.AspNetCore") _open.GetOrAdd(activity.TraceId, _ => new()).Enqueue(activity);
            return;
        }
        _efEvents.TryRemove(activity.TraceId, out var efEvents);
        if (!_open.TryRemove(activity.TraceId, out var children)) return;
        if (activity.GetTagItem("http.request.method") as string != "POST" || activity.GetTagItem("url.path") is not string path || !path.EndsWith("/notes", StringComparison.Ordinal)) return;
        var command = children.FirstOrDefault(c => c.Source.Name == "Portal");
        if (command is null) return;
        var database = children.Where(c => c.Source.Name != "Portal").OrderBy(c => c.StartTimeUtc).ToList();
        var gaps = new double[database.Count];
        var previousEnd = command.StartTimeUtc;
        for (var i = 0; i < database.Count; i++)
        {
            gaps[i] = (database[i].StartTimeUtc - previousEnd).TotalMilliseconds;
            previousEnd = database[i].StartTimeUtc + database[i].Duration;
        }

        double Since(DateTime at) => (at - activity.StartTimeUtc).TotalMilliseconds;
        var marks = new List<(string Name, double At)> { ("command start", Since(command.StartTimeUtc)), ("command end", Since(command.StartTimeUtc + command.Duration)) };
        for (var i = 0; i < database.Count; i++)
        {
            marks.Add(($"db command {i + 1} start", Since(database[i].StartTimeUtc)));
            marks.Add(($"db command {i + 1} end", Since(database[i].StartTimeUtc + database[i].Duration)));
        }
        var events = efEvents?.ToArray() ?? [];
        marks.AddRange(events.Select(e => (e.Name, Since(e.At))));
        // From the connection's opening to the commit on one thread (a command's database work does not hop threads on SQLite).
        var open = events.FirstOrDefault(e => e.Name == "connection opening");
        var commit = events.LastOrDefault(e => e.Name == "COMMIT done");
        long? allocated = open is not null && commit is not null && open.Thread == commit.Thread ? commit.Allocated - open.Allocated : null;

        _done.Enqueue(new Phases(activity.Duration.TotalMilliseconds, (command.StartTimeUtc - activity.StartTimeUtc).TotalMilliseconds, command.Duration.TotalMilliseconds,
            (activity.StartTimeUtc + activity.Duration - command.StartTimeUtc - command.Duration).TotalMilliseconds,
            [.. database.Select(d => d.Duration.TotalMilliseconds)], gaps, [.. marks.OrderBy(m => m.At)], allocated));
        while (_done.Count > Kept) _done.TryDequeue(out _);
    }

    /// <summary>Medians (and p90) over the last <paramref name="last"/> note requests, one line per phase.</summary>
    public string Report(int last)
    {
        var phases = _done.ToArray().TakeLast(last).ToList();
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"note requests: {phases.Count}\n");
        if (phases.Count == 0) return text.ToString();
        void Line(string name, IEnumerable<double> values, string unit = "ms", string format = "0.000")
        {
            var sorted = values.Order().ToArray();
            if (sorted.Length == 0) return;
            text.Append(CultureInfo.InvariantCulture,
                $"{name,-58} p50 {sorted[sorted.Length / 2].ToString(format, CultureInfo.InvariantCulture),9} {unit}   p90 {sorted[(int)(sorted.Length * 0.9)].ToString(format, CultureInfo.InvariantCulture),9} {unit}\n");
        }
        Line("request (server)", phases.Select(p => p.Total));
        Line("  request start -> command start", phases.Select(p => p.BeforeCommand));
        Line("  command", phases.Select(p => p.Command));
        var commands = phases.Max(p => p.Database.Length);
        for (var i = 0; i < commands; i++)
        {
            var index = i;
            Line($"    gap before db command {i + 1}", phases.Where(p => p.Database.Length > index).Select(p => p.GapsBeforeDatabase[index]));
            Line($"    db command {i + 1}", phases.Where(p => p.Database.Length > index).Select(p => p.Database[index]));
        }
        Line("  command end -> request end", phases.Select(p => p.AfterCommand));

        // Step by step: each pair of consecutive marks, in the order the pairs first occur.
        text.Append("the command step by step (EF Core's events between the spans):\n");
        var steps = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var p in phases)
        {
            var start = Array.FindIndex(p.Marks, m => m.Name == "command start");
            var end = Array.FindIndex(p.Marks, m => m.Name == "COMMIT done");
            if (start < 0 || end <= start) continue;
            for (var i = start + 1; i <= end; i++)
            {
                var step = $"  {p.Marks[i - 1].Name} -> {p.Marks[i].Name}";
                if (!steps.TryGetValue(step, out var values)) { steps[step] = values = []; order.Add(step); }
                values.Add(p.Marks[i].At - p.Marks[i - 1].At);
            }
        }
        foreach (var step in order) Line(step, steps[step]);
        Line("  command start -> COMMIT done", phases.Select(p => p.Marks.FirstOrDefault(m => m.Name == "COMMIT done").At - p.BeforeCommand).Where(v => v > 0));
        Line("  allocated by the thread, connection opening -> COMMIT done", phases.Where(p => p.AllocatedToCommit is not null).Select(p => p.AllocatedToCommit!.Value / 1024.0), "KB", "0.0");
        return text.ToString();
    }

    void IObserver<DiagnosticListener>.OnCompleted() { }
    void IObserver<DiagnosticListener>.OnError(Exception error) { }
    void IObserver<KeyValuePair<string, object?>>.OnCompleted() { }
    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error) { }

    public void Dispose()
    {
        _listener.Dispose();
        lock (_subscriptions)
        {
            foreach (var subscription in _subscriptions) subscription.Dispose();
            _subscriptions.Clear();
        }
    }
}
