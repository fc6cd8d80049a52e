using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.IntegrationTests.Notifications;
using Portal.IntegrationTests.People;

namespace Portal.IntegrationTests.Hardening;

/// <summary>Every log line the app writes, at every level and category, with its scopes and exception.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner._lines.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}

/// <summary>The notifications app with every log level switched on and captured.</summary>
public sealed class LoggedNotificationsApp : NotificationsApp
{
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Logging:LogLevel:Default", "Trace");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Trace");
        builder.UseSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Trace");
        builder.ConfigureTestServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }
}

/// <summary>A webhook's signing secret is shown once, when made (or rotated), and appears nowhere after: not in any answer, not in any log.</summary>
public sealed class WebhookSecretTests(LoggedNotificationsApp app) : IClassFixture<LoggedNotificationsApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_webhook_secret_is_never_returned_after_creation_and_never_logged()
    {
        var harbor = app.Demo.TenantId(NotificationWire.Harbor);
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var created = await liam.CreateEndpointAsync(harbor, "Webhook", "logged", app.Receiver.Url("/logged"), northwind);
        var secret = created.Secret.ShouldNotBeNull();
        using var rotate = await liam.PostAsync($"/api/v1/msps/{harbor}/notification-endpoints/{created.Endpoint.Id}/rotate-secret", null, Ct);
        var rotated = (await rotate.ReadAsync<CreatedEndpointDto>()).Secret.ShouldNotBeNull();
        rotated.ShouldNotBe(secret);

        // A delivery signs with both (the rotation's overlap), and one that fails is retried and recorded.
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, response) = await maya.CreateIncidentAsync(northwind, "Secret check " + Guid.NewGuid().ToString("N")[..6], "Sev1");
        response.Dispose();
        var delivered = await app.Receiver.WaitForAsync("/logged", r => r.Body.Contains(incident.Reference, StringComparison.Ordinal), Wait, "the signed delivery");
        delivered.Header("Portal-Signature").ShouldNotBeNull();

        // Every later answer about the endpoint or its deliveries.
        var answers = new List<string>();
        foreach (var url in new[]
                 {
                     $"/api/v1/msps/{harbor}/notification-endpoints",
                     $"/api/v1/msps/{harbor}/notification-deliveries",
                     $"/msps/{harbor}/notification-deliveries",
                     $"/msps/{harbor}/notification-endpoints",
                 })
        {
            using var answer = await (await BrowserOrApi(url)).GetAsync(url, Ct);
            answers.Add($"{url} {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync(Ct)}");
        }
        answers.ShouldContain(a => a.Contains(created.Endpoint.Id.ToString(), StringComparison.Ordinal), "the endpoint is listed (the check below looks at real answers)");
        foreach (var value in new[] { secret, rotated })
        {
            answers.ShouldNotContain(a => a.Contains(value, StringComparison.Ordinal));
            app.Logs.Lines.Count.ShouldBeGreaterThan(100, "logging is on at every level");
            app.Logs.Lines.Where(l => l.Contains(value, StringComparison.Ordinal)).ShouldBeEmpty("a webhook secret reached the log");
        }
    }

    private async Task<HttpClient> BrowserOrApi(string url) =>
        url.StartsWith("/api", StringComparison.Ordinal) ? await app.ClientForAsync(DemoDirectory.Liam) : await app.BrowserAsync(DemoDirectory.Liam);
}
