using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace Portal.Infrastructure.Jobs;

/// <summary>
/// Hangfire logs through one static provider per process, and AddHangfire points it at the logger factory of whichever host
/// started last. A host that stops disposes its factory; the next logger Hangfire asks for — Hangfire.PostgreSql asks for one
/// for every job it dequeues — then throws, after the job was taken from the queue, and the job is invisible for 30 minutes.
/// One process holds several hosts in the tests (and could anywhere), so Hangfire gets this provider instead: it logs through
/// the factory of the newest host that is still running, and a factory that is gone costs a log line, never a job.
/// </summary>
public sealed class HangfireLogging : ILogProvider
{
    public static readonly HangfireLogging Provider = new();
    private static readonly List<ILoggerFactory> Running = [];

    private HangfireLogging() { }

    public ILog GetLogger(string name)
    {
        ILoggerFactory? factory;
        lock (Running) factory = Running.Count > 0 ? Running[^1] : null;
        if (factory is null) return Silent.Instance;
        try
        {
            return new AspNetCoreLogProvider(factory).GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return Silent.Instance; // stopped between the look and the call
        }
    }

    /// <summary>Adds the host's factory while the host runs (started before Hangfire's server, stopped after it).</summary>
    public sealed class HostRegistration(ILoggerFactory factory) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lock (Running) Running.Add(factory);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            lock (Running) Running.Remove(factory);
            return Task.CompletedTask;
        }
    }

    private sealed class Silent : ILog
    {
        public static readonly Silent Instance = new();
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
