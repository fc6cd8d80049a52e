using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;

[assembly: AssemblyFixture(typeof(Portal.IntegrationTests.Infrastructure.PostgresServer))]

namespace Portal.IntegrationTests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL server (the newest installed, or PORTAL_PG_BIN) per test run (initdb is the slow part), started on first use on a free
/// loopback port in a short /tmp folder with fsync off; each test class asks it for its own database.
/// Stopped with "pg_ctl -m immediate stop" and its folder deleted when the run ends.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>PORTAL_PG_BIN (set by test.sh), else the newest /usr/lib/postgresql/N/bin: Debian 12 has 15, Ubuntu 24.04 has 16.</summary>
    public static readonly string BinDirectory = Environment.GetEnvironmentVariable("PORTAL_PG_BIN") is { Length: > 0 } configured
        ? configured
        : Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")))
                .OrderByDescending(x => x.Version).Select(x => x.Dir).FirstOrDefault() ?? "/usr/lib/postgresql/15/bin"
            : "/usr/lib/postgresql/15/bin";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _directory;
    private int _port;
    private bool _started;
    private bool _running;

    public string DataDirectory => Path.Combine(_directory!, "data");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask; // started lazily: a run of SQLite-only tests never pays for initdb

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        await EnsureStartedAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return ConnectionString(name);
    }

    private string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={_port};Username=postgres;Database={database};Include Error Detail=true;Timeout=15;Command Timeout=60";

    private async Task EnsureStartedAsync()
    {
        if (_started) return;
        await _gate.WaitAsync();
        try
        {
            if (_started) return;
            if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
                throw new InvalidOperationException($"PostgreSQL is not installed ({BinDirectory}/initdb missing): apt-get install -y postgresql");

            // Short path: the Unix socket path is limited to about 100 bytes.
            _directory = Path.Combine("/tmp", "pgit-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(_directory);
            _port = FreePort();
            var asRoot = Environment.UserName == "root";
            if (asRoot) await RunAsync("chown", ["postgres:postgres", _directory], TimeSpan.FromSeconds(10));

            await RunAsync(Path.Combine(BinDirectory, "initdb"),
                ["-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
                TimeSpan.FromSeconds(60), asRoot);

            AppDomain.CurrentDomain.ProcessExit += StopOnExit; // a crashed or cancelled run must not leave a server behind
            await StartServerAsync();
            _started = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StartServerAsync()
    {
        var log = Path.Combine(_directory!, "log.txt");
        await StartDetachedAsync(Path.Combine(BinDirectory, "pg_ctl"),
            ["-D", DataDirectory, "-l", log, "-w", "-t", "30", "start",
             "-o", $"-p {_port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"],
            TimeSpan.FromSeconds(45), Environment.UserName == "root", log);
        _running = true;
    }

    /// <summary>
    /// Stops the running server as an outage of the database would look to Portal (connections refused); <see cref="StartAsync"/>
    /// brings it back on the same port with its data. A fast shutdown, not an immediate one: this server runs with
    /// fsync and synchronous_commit off, so an immediate stop loses the last commits (the demo users, once). Only for a server of a test's own (<c>new PostgresServer()</c>), never the shared one.
    /// </summary>
    public async Task StopAsync()
    {
        if (!_started) throw new InvalidOperationException("The server was never started.");
        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"],
            TimeSpan.FromSeconds(30), Environment.UserName == "root");
        _running = false;
    }

    public async Task StartAsync()
    {
        if (!_started) throw new InvalidOperationException("The server was never started.");
        if (!_running) await StartServerAsync();
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= StopOnExit;
        if (_directory is null) return;
        try
        {
            if (_started && _running)
            {
                await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"],
                    TimeSpan.FromSeconds(30), Environment.UserName == "root");
            }
        }
        finally
        {
            _started = false;
            _running = false;
            try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            _gate.Dispose();
        }
    }

    private void StopOnExit(object? sender, EventArgs e)
    {
        if (!_started || !_running || _directory is null) return;
        try
        {
            using var stop = Process.Start(Command(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"], Environment.UserName == "root"));
            stop?.WaitForExit(10_000);
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // best effort at process exit
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }

    /// <summary>Argument arrays, never a shell string; as root, PostgreSQL tools run as the postgres user.</summary>
    private static ProcessStartInfo Command(string file, IReadOnlyList<string> arguments, bool asPostgres = false)
    {
        var info = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add("postgres");
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(file);
        }
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        return info;
    }

    /// <summary>For short-lived tools: both streams are read to the end (no child keeps them open).</summary>
    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, TimeSpan timeout, bool asPostgres = false)
    {
        using var process = Process.Start(Command(file, arguments, asPostgres)) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }

    /// <summary>
    /// For "pg_ctl start": the server it forks may inherit its pipes, so they are never read to the end;
    /// only the exit code counts, and the server log explains a failure.
    /// </summary>
    private static async Task StartDetachedAsync(string file, IReadOnlyList<string> arguments, TimeSpan timeout, bool asPostgres, string log)
    {
        using var process = Process.Start(Command(file, arguments, asPostgres)) ?? throw new InvalidOperationException($"Could not start {file}");
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
        {
            var text = File.Exists(log) ? await File.ReadAllTextAsync(log) : "(no log)";
            throw new InvalidOperationException($"pg_ctl start exited with {process.ExitCode}. Server log:\n{text}");
        }
    }
}
