using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Portal.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway Redis on a free loopback port, no persistence, in a temp folder; started on first use and
/// killed at the end of the run. Used as the real SignalR backplane between two app instances.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private static readonly string[] RedisBinaries = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;
    private string? _directory;

    public int Port { get; private set; }
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000";

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async Task EnsureStartedAsync()
    {
        if (_process is not null) return;
        await _gate.WaitAsync();
        try
        {
            if (_process is not null) return;
            var binary = RedisBinaries.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException("redis-server is not installed: apt-get install -y redis-server (./test.sh does it when run as root)");
            _directory = Directory.CreateTempSubdirectory("redis-it-").FullName;
            Port = FreePort();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill();
            await StartProcessAsync(binary);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StartProcessAsync(string binary)
    {
        var start = new ProcessStartInfo(binary,
            ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory!, "--logfile", Path.Combine(_directory!, "log.txt")])
        { UseShellExecute = false };
        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process = process;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await PingAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"redis-server did not answer on port {Port}: {ReadLog()}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Kills the server (its data is gone: nothing is persisted); <see cref="StartAsync"/> starts a new one on the same port.
    /// Only for a server of a test's own (<c>new RedisServer()</c>), never the shared one.
    /// </summary>
    public async Task StopAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The server was never started.");
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async Task StartAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The server was never started.");
        if (!process.HasExited) return;
        process.Dispose();
        await StartProcessAsync(RedisBinaries.First(File.Exists));
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private string ReadLog()
    {
        var log = Path.Combine(_directory ?? "", "log.txt");
        return File.Exists(log) ? File.ReadAllText(log) : "(no log)";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Kill()
    {
        try
        {
            if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        if (_directory is not null)
        {
            try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        }
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
