using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Portal.Benchmarks.Fanout;
using Portal.Benchmarks.Micro;

namespace Portal.Benchmarks;

/// <summary>
/// <c>Portal.Benchmarks [host] [--info FILE] [--port N] [--duration SECONDS] [--fanout]</c>: the wrk host (default; see ./bench.sh);
/// with <c>--fanout</c> it also starts the bare hub and the fan-out control endpoints (scenario 2).
/// <c>Portal.Benchmarks fanout --portal URL --bare URL --clients N ...</c>: the fan-out load driver (a separate process).
/// <c>Portal.Benchmarks remediation [...]</c>: scenario 4, remediation roll-up, first page and bulk update (Remediation/RemediationScenario.cs).
/// <c>Portal.Benchmarks import --provider Sqlite|PostgreSql --rows N --mode portal|raw ...</c>: one run of the import scenario.
/// <c>Portal.Benchmarks advisory [...]</c>: issue 11, an advisory's fan-out to 2,000 tenants against the raw driver (Advisories/AdvisoryFanOutScenario.cs).
/// <c>Portal.Benchmarks escalation --provider Sqlite|PostgreSql [...]</c>: issue 12, escalation lateness, sweep cost and outbox throughput (Escalations/EscalationScenario.cs).
/// <c>Portal.Benchmarks revocation --admin PG --redis HOST:PORT [...]</c>: issue 13, revocation lag across two instances (Revocation/RevocationScenario.cs).
/// <c>Portal.Benchmarks soak --base URL --host-pid PID [...]</c>: issue 14, the bounded soak against a running host (Soak/SoakDriver.cs, ./soak.sh).
/// <c>Portal.Benchmarks micro [--short] [BenchmarkDotNet options]</c>: the BenchmarkDotNet microbenchmarks.
/// An explicit class rather than top-level statements, whose generated Program would clash with Portal's.
/// </summary>
public static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "micro")
        {
            var rest = args[1..].ToList();
            var job = rest.Remove("--short") ? Job.ShortRun : Job.Default;
            // In process: no generated project to build, so it runs from a fresh clone exactly like the host mode.
            var config = DefaultConfig.Instance
                .AddJob(job.WithToolchain(InProcessEmitToolchain.Instance))
                .AddDiagnoser(MemoryDiagnoser.Default);
            if (!rest.Contains("--filter")) rest.AddRange(["--filter", "*"]);
            BenchmarkSwitcher.FromTypes([typeof(StatusReadPathBenchmarks)]).Run([.. rest], config);
            return 0;
        }

        if (args.Length > 0 && args[0] == "fanout") return await FanoutDriver.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "remediation") return await Remediation.RemediationScenario.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "import") return await Import.ImportDriver.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "advisory") return await Advisories.AdvisoryFanOutScenario.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "escalation") return await Escalations.EscalationScenario.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "revocation") return await Revocation.RevocationScenario.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "soak") return await Soak.SoakDriver.RunAsync(args[1..]);

        var options = new HostOptions(Port: 0, InfoFile: null, Duration: null, Fanout: false);
        for (var i = args.Length > 0 && args[0] == "host" ? 1 : 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--info" when i + 1 < args.Length:
                    options = options with { InfoFile = Path.GetFullPath(args[++i]) };
                    break;
                case "--port" when i + 1 < args.Length:
                    options = options with { Port = int.Parse(args[++i], CultureInfo.InvariantCulture) };
                    break;
                case "--duration" when i + 1 < args.Length:
                    options = options with { Duration = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) };
                    break;
                case "--fanout":
                    options = options with { Fanout = true };
                    break;
                default:
                    await Console.Error.WriteLineAsync($"Unknown argument '{args[i]}'. Usage: Portal.Benchmarks [host] [--info FILE] [--port N] [--duration SECONDS] [--fanout] | {FanoutOptions.Usage} | micro [--short] [BenchmarkDotNet options]");
                    return 64;
            }
        }
        return await HostMode.RunAsync(options);
    }
}
