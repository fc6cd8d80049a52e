using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Portal.Benchmarks.Fanout;

/// <summary>
/// Where a change request's time goes on the server, read from the spans Portal's telemetry already makes (the ASP.NET Core
/// request, the command's own span, each EF Core command): from the request's start to the command's, the command's database
/// commands one by one and the gaps between them, and from the command's end to the request's. A diagnostic of the fan-out host
/// (<c>GET /bench/phases</c>), not a published figure: it listens only, and never changes what is sampled.
/// </summary>
public sealed class RequestPhases : IDisposable
{
    private const int Kept = 2_000;
    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<ActivityTraceId, ConcurrentQueue<Activity>> _open = new();
    private readonly ConcurrentQueue<Phases> _done = new();

    private sealed record Phases(double Total, double BeforeCommand, double Command, double AfterCommand, double[] Database, double[] GapsBeforeDatabase);

    public RequestPhases()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "Portal" or "OpenTelemetry.Instrumentation.EntityFrameworkCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None, // the application's own sampling decides
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private void Stopped(Activity activity)
    {
        if (activity.Parent is not null || activity.Source.Name != "Microsoft.AspNetCore")
        {
            if (activity.Source.Name != "Microsoft.AspNetCore") _open.GetOrAdd(activity.TraceId, _ => new()).Enqueue(activity);
            return;
        }
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
        _done.Enqueue(new Phases(activity.Duration.TotalMilliseconds, (command.StartTimeUtc - activity.StartTimeUtc).TotalMilliseconds, command.Duration.TotalMilliseconds,
            (activity.StartTimeUtc + activity.Duration - command.StartTimeUtc - command.Duration).TotalMilliseconds,
            [.. database.Select(d => d.Duration.TotalMilliseconds)], gaps));
        while (_done.Count > Kept) _done.TryDequeue(out _);
    }

    /// <summary>Medians (and p90) over the last <paramref name="last"/> note requests, one line per phase.</summary>
    public string Report(int last)
    {
        var phases = _done.ToArray().TakeLast(last).ToList();
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"note requests: {phases.Count}\n");
        if (phases.Count == 0) return text.ToString();
        void Line(string name, IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            if (sorted.Length == 0) return;
            text.Append(CultureInfo.InvariantCulture, $"{name,-40} p50 {sorted[sorted.Length / 2],7:0.000} ms   p90 {sorted[(int)(sorted.Length * 0.9)],7:0.000} ms\n");
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
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();
}
