using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Benchmarks;

/// <summary>Where a database command was issued from.</summary>
public enum QuerySource { StatusJson, StatusPage, OtherRequest, Background }

/// <summary>
/// Counts every database command Portal sends (reader, scalar, non-query) by the request that caused it: the
/// status read paths, any other request, or no request (startup, jobs). It also counts the requests on the
/// status paths that reached the database at all: status rebuilds plus misses of the user access cache.
/// It listens to EF Core's DiagnosticListener ("CommandExecuting") instead of adding an interceptor: adding
/// one through <c>ConfigureDbContext((sp, options) => ...)</c> made every request's DbContext cost about
/// 300 µs instead of 14 µs (measured), which would have falsified the very ratio this harness reports.
/// </summary>
public sealed class QueryCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private const string HitKey = "portal-bench:query-counted";
    private static readonly string CommandExecuting = RelationalEventId.CommandExecuting.Name!;
    private static readonly string CommandExecuted = RelationalEventId.CommandExecuted.Name!;
    private static readonly string CommandError = RelationalEventId.CommandError.Name!;
    private static readonly AsyncLocal<CommandLog?> CurrentLog = new();
    // EF Core builds the CommandExecuted payload only while someone listens to it: only while a recording is open, so that the
    // scenarios that never record pay nothing more per command than before.
    private static int s_recordings;
    private long _failed;

    private readonly long[] _commands = new long[4];
    private readonly long[] _requestsThatQueried = new long[4];
    private readonly List<IDisposable> _subscriptions = [];
    // HttpContextAccessor keeps the current request in a static AsyncLocal, which the host fills in once
    // IHttpContextAccessor is registered (PortalHost makes sure it is): any instance reads the same value.
    private readonly HttpContextAccessor _http = new();

    private QueryCounter() { }

    public static QueryCounter Start()
    {
        var counter = new QueryCounter();
        lock (counter._subscriptions) counter._subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(counter));
        return counter;
    }

    /// <summary>
    /// Records every command the current async flow (and what it awaits) sends until the returned log is disposed: its text and
    /// its duration as EF Core measured it. Other flows (Hangfire workers, requests) are not recorded; the counts above still are.
    /// </summary>
    public static CommandLog Record()
    {
        Interlocked.Increment(ref s_recordings);
        return CurrentLog.Value = new CommandLog(() =>
        {
            CurrentLog.Value = null;
            Interlocked.Decrement(ref s_recordings);
        });
    }

    /// <summary>Commands that failed (EF's CommandError), from any source: e.g. a runner that lost a race on a unique index.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public long Commands(QuerySource source) => Interlocked.Read(ref _commands[(int)source]);

    public long RequestsThatQueried(QuerySource source) => Interlocked.Read(ref _requestsThatQueried[(int)source]);

    /// <summary>Plain "name value" lines, easy to read from a shell script.</summary>
    public string Snapshot() => string.Join('\n',
        Enum.GetValues<QuerySource>().SelectMany(s => new[]
        {
            $"commands_{Name(s)} {Commands(s)}",
            $"requests_{Name(s)} {RequestsThatQueried(s)}",
        })) + "\n";

    public static QuerySource Classify(PathString path)
    {
        var value = path.Value ?? "";
        if (value.StartsWith("/api/v1/tenants/", StringComparison.OrdinalIgnoreCase) && value.EndsWith("/status", StringComparison.OrdinalIgnoreCase))
            return QuerySource.StatusJson;
        if (value.StartsWith("/status", StringComparison.OrdinalIgnoreCase)) return QuerySource.StatusPage;
        return QuerySource.OtherRequest;
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (value.Name != DbLoggerCategory.Name) return;
        lock (_subscriptions)
        {
            _subscriptions.Add(value.Subscribe(this, name => name == CommandExecuting || name == CommandError
                                                             || (name == CommandExecuted && Volatile.Read(ref s_recordings) > 0)));
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == CommandError)
        {
            Interlocked.Increment(ref _failed);
            return;
        }
        if (value.Key == CommandExecuted)
        {
            if (CurrentLog.Value is { } log && value.Value is CommandExecutedEventData executed)
                log.Add(executed.Command.CommandText, executed.Duration);
            return;
        }
        if (value.Key != CommandExecuting) return;
        var context = _http.HttpContext;
        var source = context is null ? QuerySource.Background : Classify(context.Request.Path);
        Interlocked.Increment(ref _commands[(int)source]);
        if (context is not null && context.Items.TryAdd(HitKey, true)) Interlocked.Increment(ref _requestsThatQueried[(int)source]);
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

    private static string Name(QuerySource source) => source switch
    {
        QuerySource.StatusJson => "status_json",
        QuerySource.StatusPage => "status_page",
        QuerySource.OtherRequest => "other_requests",
        _ => "background",
    };
}

/// <summary>The commands one measured flow sent (<see cref="QueryCounter.Record"/>), in order.</summary>
public sealed class CommandLog(Action onDispose) : IDisposable
{
    private readonly List<(string Text, TimeSpan Duration)> _commands = [];

    public IReadOnlyList<(string Text, TimeSpan Duration)> Commands
    {
        get { lock (_commands) return [.. _commands]; }
    }

    internal void Add(string text, TimeSpan duration)
    {
        lock (_commands) _commands.Add((text, duration));
    }

    public void Dispose() => onDispose();
}
