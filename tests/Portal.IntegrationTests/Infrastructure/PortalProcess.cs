using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Portal.Infrastructure.Data;

namespace Portal.IntegrationTests.Infrastructure;

/// <summary>
/// The test classes that run Portal as real processes (kill, restart) run one after another (beside the rest of the suite):
/// each starts and stops whole hosts (migrations, demo data, Hangfire), and three such classes at once on two cores, beside
/// the rest of the suite, pushed a start past its budget.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PortalProcessCollection
{
    public const string Name = "Portal as a process";
}

/// <summary>Portal.Web.dll in a process of its own (Development, demo data), on a free loopback port.</summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PortalProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <param name="settings">More settings, as environment variables (e.g. <c>Notifications__FastPath</c>, <c>Testing__ClockOffset</c>).</param>
    public static async Task<PortalProcess> StartAsync(DatabaseProvider provider, string connectionString, string folder, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var dll = PortalWebDll();
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["Database__Provider"] = provider.ToString();
        info.Environment["ConnectionStrings__Portal"] = connectionString;
        info.Environment["Database__SeedDemoData"] = "true";
        info.Environment["Database__DemoEscalationClocks"] = "false";
        info.Environment["Remediation__Import__Folder"] = Path.Combine(folder, "imports");
        info.Environment["Remediation__Import__BatchSize"] = "2000";
        info.Environment["Remediation__Import__PauseBetweenBatches"] = "00:00:00.050";
        info.Environment["Remediation__Import__StaleAfter"] = "00:00:03";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var portal = new PortalProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => portal.Append(e.Data);
        process.ErrorDataReceived += (_, e) => portal.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = portal.Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(180); // a cold start of a Development host on a loaded 2-core machine
        var last = "no answer";
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"Portal exited with {process.ExitCode}:\n{portal.Output}");
            try
            {
                using var ready = await probe.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode) return portal;
                last = $"{(int)ready.StatusCode}: {await ready.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e) { last = e.Message; }
            catch (TaskCanceledException) { last = "timed out after 5 s"; }
            if (DateTime.UtcNow > deadline)
            {
                await portal.DisposeAsync(); // a process that never became ready must not outlive the test
                throw new TimeoutException($"Portal did not answer /health/ready within 180 s (last: {last}):\n{portal.Output}");
            }
            await Task.Delay(200);
        }
    }

    public async Task<HttpClient> ClientForAsync(string email)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await client.PostAsJsonAsync("/dev/token", new { email });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.RootElement.GetProperty("accessToken").GetString());
        return client;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, the way a crash or an OOM kill ends a process.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(30_000);
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    /// <summary>src/Portal.Web/bin/(this build's configuration)/net10.0/Portal.Web.dll, found from this test's folder.</summary>
    private static string PortalWebDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent?.Name ?? "Debug"; // …/bin/Debug/net10.0/
        for (var folder = here; folder is not null; folder = folder.Parent)
        {
            var dll = Path.Combine(folder.FullName, "src", "Portal.Web", "bin", configuration, "net10.0", "Portal.Web.dll");
            if (File.Exists(dll)) return dll;
        }
        throw new FileNotFoundException($"Portal.Web.dll ({configuration}) not found above {AppContext.BaseDirectory}; build the solution first.");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }
}
