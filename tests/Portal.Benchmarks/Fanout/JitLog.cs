using System.Diagnostics.Tracing;

namespace Portal.Benchmarks.Fanout;

/// <summary>
/// Diagnostic only (BENCH_JITLOG=FILE on the fan-out host): every method the JIT compiles, with its flags, written to FILE,
/// and a line for each <c>GET /bench/gc</c> (the driver's run boundaries), to see which code was still being recompiled
/// during measured runs. The runtime's own event source, read in-process.
/// </summary>
public sealed class JitLog : EventListener
{
    private readonly StreamWriter? _out;
    private readonly object _lock = new();

    public JitLog(string path)
    {
        _out = new StreamWriter(path, append: false) { AutoFlush = true };
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // JIT keyword (0x10), verbose: MethodLoadVerbose carries the names and the optimisation tier.
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x10);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        var e = eventData;
        if (_out is null || e.EventName is not "MethodLoadVerbose_V1" and not "MethodLoadVerbose_V2" and not "MethodLoadVerbose") return;
        var flags = Convert.ToUInt32(e.Payload![e.PayloadNames!.IndexOf("MethodFlags")]);
        var name = $"{e.Payload[e.PayloadNames.IndexOf("MethodNamespace")]}::{e.Payload[e.PayloadNames.IndexOf("MethodName")]}";
        lock (_lock) _out.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff}\t{flags:x}\t{name}"); // the flags carry the optimisation tier
    }

    public void Mark(string what)
    {
        lock (_lock) _out?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff}\tMARK\t{what}");
    }
}
