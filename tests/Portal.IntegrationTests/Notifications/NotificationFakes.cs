using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using SmtpServer;
using SmtpServer.Storage;
using SmtpResponse = SmtpServer.Protocol.SmtpResponse;

namespace Portal.IntegrationTests.Notifications;

/// <summary>A real SMTP server (the SmtpServer package) on loopback: what Portal sends arrives here as MimeMessages.</summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    public SmtpSink()
    {
        Port = WebhookReceiver.FreePort();
        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, Port))).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        _run = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
    }

    public int Port { get; }
    public ConcurrentQueue<MimeMessage> Received { get; } = new();

    /// <summary>Waits until a message matching <paramref name="match"/> has arrived.</summary>
    public async Task<MimeMessage> WaitForAsync(Func<MimeMessage, bool> match, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Received.FirstOrDefault(match) is { } found) return found;
            await Task.Delay(50);
        }
        throw new TimeoutException($"No email {what} within {timeout}; received: {string.Join(" | ", Received.Select(m => m.To + ": " + m.Subject))}");
    }

    private sealed class Store(SmtpSink sink) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            sink.Received.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _run; } catch (OperationCanceledException) { }
    }
}

/// <summary>One request a receiver got.</summary>
public sealed record ReceivedRequest(DateTime At, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>
/// A real HTTP receiver on loopback (HttpListener). Each path answers what the test queued for it (a status, or a delay before
/// answering), else 200; every request is recorded. Also the receiver's side of the webhook contract: signature verification.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(int Status, TimeSpan Delay)>> _answers = new();

    public WebhookReceiver()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path.TrimStart('/')}";

    /// <summary>The next requests to <paramref name="path"/> get these answers, in order.</summary>
    public void Answer(string path, params (int Status, TimeSpan Delay)[] answers)
    {
        var queue = _answers.GetOrAdd("/" + path.TrimStart('/'), _ => new());
        foreach (var a in answers) queue.Enqueue(a);
    }

    public IReadOnlyList<ReceivedRequest> At(string path) => [.. Requests.Where(r => r.Path == "/" + path.TrimStart('/'))];

    public async Task<ReceivedRequest> WaitForAsync(string path, Func<ReceivedRequest, bool> match, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (At(path).FirstOrDefault(match) is { } found) return found;
            await Task.Delay(50);
        }
        throw new TimeoutException($"No request {what} at {path} within {timeout}; got {At(path).Count}: {string.Join(" | ", At(path).Select(r => r.Body))}");
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) when (!_listener.IsListening) { return; }
            catch (HttpListenerException) { return; }
            catch (ObjectDisposedException) { return; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Url!.AbsolutePath;
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            Requests.Enqueue(new ReceivedRequest(DateTime.UtcNow, path, headers, body));
            var (status, delay) = _answers.TryGetValue(path, out var queue) && queue.TryDequeue(out var next) ? next : (200, TimeSpan.Zero);
            if (delay > TimeSpan.Zero) await Task.Delay(delay);
            context.Response.StatusCode = status;
            context.Response.Close();
        }
        catch (Exception) { /* the client gave up (a timeout test): nothing to answer */ }
    }

    /// <summary>
    /// What a receiver does (docs/webhooks.md): Portal-Signature "t=…,v1=…[,v1=…]"; HMAC-SHA256 over "{t}.{body}" with the secret; any v1
    /// that matches (in constant time) accepts; the timestamp must be within the replay window of the receiver's clock.
    /// </summary>
    public static bool Verify(ReceivedRequest request, string secret, DateTimeOffset receiverNow, TimeSpan window)
    {
        var header = request.Header("Portal-Signature");
        if (header is null) return false;
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToList();
        if (!long.TryParse(parts.FirstOrDefault(p => p[0] == "t")?[1], out var t)) return false;
        if ((receiverNow - DateTimeOffset.FromUnixTimeSeconds(t)).Duration() > window) return false;
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{request.Body}"));
        return parts.Where(p => p[0] == "v1").Any(p =>
        {
            try { return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(p[1]), expected); }
            catch (FormatException) { return false; }
        });
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try { await _loop; } catch (Exception) { }
    }
}

/// <summary>
/// Portal (Development, SQLite) with a real SMTP sink, a real webhook receiver and a FakeTimeProvider the tests move: a 1 s send
/// timeout, back-off from 10 s, 4 tries.
/// </summary>
public class NotificationsApp : PortalApp
{
    public NotificationsApp() : base(DbProvider.Sqlite, null) { }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public SmtpSink Smtp { get; } = new();
    public WebhookReceiver Receiver { get; } = new();

    protected virtual bool AllowPrivateTargets => true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Notifications:AllowPrivateTargets", AllowPrivateTargets ? "true" : "false");
        builder.UseSetting("Notifications:Smtp:Host", "127.0.0.1");
        builder.UseSetting("Notifications:Smtp:Port", Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Notifications:Smtp:Security", "None");
        builder.UseSetting("Notifications:SendTimeout", "00:00:01");
        builder.UseSetting("Notifications:FirstRetryDelay", "00:00:10");
        builder.UseSetting("Notifications:MaxAttempts", "4");
        builder.UseSetting("Notifications:PublicBaseUrl", "http://portal.test");
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    /// <summary>One sweep, as the recurring job runs it.</summary>
    public async Task<int> SweepAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Portal.Features.Notifications.OutboxSweep>().RunAsync(CancellationToken.None);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
        await Receiver.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The same with the SSRF guard on, as outside Development.</summary>
public sealed class GuardedNotificationsApp : NotificationsApp
{
    protected override bool AllowPrivateTargets => false;
}
