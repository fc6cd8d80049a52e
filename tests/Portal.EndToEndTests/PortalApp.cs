using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Features.Escalations;
using Portal.Pipeline.Commit;

[assembly: AssemblyFixture(typeof(Portal.EndToEndTests.PortalApp))]
[assembly: Portal.EndToEndTests.NoContentSecurityPolicyViolations]
[assembly: Portal.EndToEndTests.CloseBrowserContexts]

namespace Portal.EndToEndTests;

/// <summary>
/// One real Portal per test run: Development mode (demo sign-in and demo data) on a fresh SQLite file in a temp
/// folder, served by Kestrel on a free loopback port; and one headless Chromium (Debian's, never downloaded)
/// that every test opens its own browser contexts in.
/// </summary>
public sealed class PortalApp : IAsyncLifetime
{
    /// <summary>Generous: CI has two cores, and the first request of each page compiles nothing but still warms up a lot.</summary>
    public const float TimeoutMs = 30_000;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"portal-e2e-{Guid.NewGuid():N}");
    private Factory? _factory;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The test-only endpoint that fails with a 500 (GET /test/boom).</summary>
    public FailingEndpoint Failing { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _factory = new Factory(Path.Combine(_folder, "e2e.db"), Failing);
        _factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        BaseAddress = new Uri(addresses.Single());

        Assertions.SetDefaultExpectTimeout(TimeoutMs);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A fresh browser context (its own cookies): a different person at a different laptop.</summary>
    public Task<IPage> NewPageAsync() => NewPageAsync(storageState: null);

    /// <summary>A fresh browser context, starting with the cookies of <paramref name="storageState"/> when given (Playwright's storage state).</summary>
    private async Task<IPage> NewPageAsync(string? storageState)
    {
        var context = await _browser!.NewContextAsync(new() { BaseURL = BaseAddress.ToString().TrimEnd('/'), Locale = "en-GB", StorageState = storageState });
        context.SetDefaultTimeout(TimeoutMs);
        context.SetDefaultNavigationTimeout(TimeoutMs);
        OpenContexts.GetOrAdd(TestContext.Current.Test?.UniqueID ?? "", _ => new()).Enqueue(context);
        await WatchContentSecurityPolicyAsync(context);
        return await context.NewPageAsync();
    }

    /// <summary>The browser contexts each running test opened (its unique id), closed when it finishes.</summary>
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<IBrowserContext>> OpenContexts = new();

    /// <summary>Closings started after tests finished; the run waits for them before closing the browser.</summary>
    private static readonly ConcurrentQueue<Task> Closings = new();

    /// <summary>
    /// Starts closing the contexts (and so the pages, their SignalR connections and their renderers) a finished test opened.
    /// Not awaited here: xunit's after-test hook is synchronous, and blocking on Playwright there risks a deadlock.
    /// </summary>
    public static void CloseContextsOf(string testId)
    {
        if (!OpenContexts.TryRemove(testId, out var contexts)) return;
        foreach (var context in contexts) Closings.Enqueue(context.CloseAsync());
    }

    /// <summary>What the browsers reported blocked by the Content-Security-Policy, per test (its unique id).</summary>
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> CspViolations = new();

    /// <summary>
    /// Every page of the context, the ones a test opens itself included: a console message or page error that mentions the
    /// Content Security Policy (how Chromium reports a blocked script, style, connection or eval) is recorded for the running
    /// test, and <see cref="NoContentSecurityPolicyViolationsAttribute"/> fails the test with it. The page's own
    /// securitypolicyviolation event is reported the same way (an init script runs outside the page's policy).
    /// </summary>
    private static async Task WatchContentSecurityPolicyAsync(IBrowserContext context)
    {
        var found = CspViolations.GetOrAdd(TestContext.Current.Test?.UniqueID ?? "", _ => new());
        context.Console += (_, message) =>
        {
            if (MentionsCsp(message.Text)) found.Enqueue($"console {message.Type} ({message.Location}): {message.Text}");
        };
        context.WebError += (_, error) =>
        {
            if (MentionsCsp(error.Error)) found.Enqueue($"page error: {error.Error}");
        };
        await context.AddInitScriptAsync("""
            document.addEventListener("securitypolicyviolation", e =>
              console.error(`Content Security Policy violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"} on ${location.pathname} (${e.sourceFile}:${e.lineNumber})`));
            """);
    }

    private static bool MentionsCsp(string? text) => text?.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The violations recorded so far for this test (the test's id), leaving them recorded.</summary>
    public static IReadOnlyList<string> CspViolationsOf(string testId) => CspViolations.TryGetValue(testId, out var found) ? [.. found] : [];

    /// <summary>The violations recorded for this test, forgotten: what the end-of-test check sees.</summary>
    public static IReadOnlyList<string> TakeCspViolations(string testId) => CspViolations.TryRemove(testId, out var found) ? [.. found] : [];

    /// <summary>The cookies of each demo user's first sign-in through <see cref="SignedInAsAsync"/>, by name.</summary>
    private readonly ConcurrentDictionary<string, Task<string>> _signedIn = new();

    /// <summary>
    /// A new context already signed in as <paramref name="name"/>, with the cookies of their first sign-in in this run: for tests
    /// that look at pages as someone rather than at signing in (three page loads fewer each). Each call is still a context of its
    /// own, closed with its test. The caller checks it is on the page it asked for: a session ended since would show /signin.
    /// </summary>
    public async Task<IPage> SignedInAsAsync(string name)
    {
        var state = _signedIn.GetOrAdd(name, async n => await (await SignInAsync(n)).Context.StorageStateAsync());
        try
        {
            return await NewPageAsync(await state);
        }
        catch
        {
            _signedIn.TryRemove(KeyValuePair.Create(name, state)); // a failed sign-in is tried again by the next caller
            throw;
        }
    }

    /// <summary>Signs a demo user in the way a person does: the /signin page, their button, the start page they land on.</summary>
    public async Task<IPage> SignInAsync(string name, string startAt = "/signin")
    {
        var page = await NewPageAsync();
        await page.GotoAsync(startAt);
        await page.GetByRole(AriaRole.Button, new() { Name = name }).ClickAsync();
        try
        {
            await WaitForLandingPageAsync(page);
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException)
        {
            // Say what the browser shows, so the next one is diagnosable.
            var shown = await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 });
            throw new TimeoutException($"{name}: at {page.Url} {TimeoutMs} ms after the click, not signed in; the page shows: {shown[..Math.Min(shown.Length, 600)]}", e);
        }
        return page;
    }

    /// <summary>
    /// Signed in once the browser is at a page other than /signin and that page's layout is there. Asked of the browser by
    /// polling (the URL, then the element), not by Playwright's load-state events: WaitForURLAsync(…, WaitUntil) checks the
    /// frame's recorded load states and then subscribes to the next one, and a state recorded between the two is missed — the
    /// wait then lasts the whole timeout with the page long shown (seen with both "load" and "DOMContentLoaded").
    /// </summary>
    public static async Task WaitForLandingPageAsync(IPage page)
    {
        await Assertions.Expect(page).ToHaveURLAsync(LandedUrl, new() { Timeout = TimeoutMs });
        await page.Locator("main#main").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    private static readonly System.Text.RegularExpressions.Regex LandedUrl = new(@"^https?://[^/]+/(?!signin)");

    /// <summary>An API client with a demo user's bearer token from /dev/token, as a script or an RMM tool would call the API.</summary>
    public async Task<HttpClient> ApiClientAsync(string email)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        using var response = await client.PostAsJsonAsync("/dev/token", new { email }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Reads the database as the platform itself (no tenant filter), e.g. to learn a foreign tenant's id.</summary>
    public async Task<T> ReadAsync<T>(Func<PortalDbContext, Task<T>> read)
    {
        await using var scope = _factory!.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        return await read(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }

    /// <summary>
    /// Priya (Sentinel Shield) publishes an advisory for the sensor, which every demo tenant runs, through the API, as a
    /// provider's tooling would; answers its id.
    /// </summary>
    public async Task<Guid> PublishSensorAdvisoryAsync(string title, string severity, string impact)
    {
        var ct = TestContext.Current.CancellationToken;
        var (providerId, serviceId) = await ReadAsync(async db =>
        {
            var provider = await db.Organisations.SingleAsync(o => o.Name == "Sentinel Shield Security", ct);
            return (provider.Id, (await db.Services.SingleAsync(s => s.ProviderId == provider.Id && s.Name == "ShieldSensor Endpoint Agent", ct)).Id);
        });
        using var priya = await ApiClientAsync("priya@sentinelshield.example");
        using var published = await priya.PostAsJsonAsync($"/api/v1/providers/{providerId}/advisories", new { title, severity, impact, serviceIds = new[] { serviceId } }, ct);
        if (published.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"Publishing '{title}' answered {(int)published.StatusCode}: {await published.Content.ReadAsStringAsync(ct)}");
        return (await published.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    /// <summary>
    /// Runs an incident's escalation as its delayed job would, on a clock moved on by <paramref name="later"/> (the app keeps
    /// the real one, so nothing else in the run is due); returns how many levels fired.
    /// </summary>
    public async Task<int> EscalateAsync(Guid incidentId, Guid tenantId, TimeSpan later)
    {
        var services = _factory!.Services;
        var escalator = new IncidentEscalator(services.GetRequiredService<IServiceScopeFactory>(), new FakeTimeProvider(DateTimeOffset.UtcNow + later),
            services.GetRequiredService<CommitPublisher>(), services.GetRequiredService<ILogger<IncidentEscalator>>());
        return (await escalator.EscalateAsync(incidentId, tenantId, TestContext.Current.CancellationToken)).Raised;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var testId in OpenContexts.Keys) CloseContextsOf(testId);
        try
        {
            await Task.WhenAll(Closings);
        }
        catch (PlaywrightException)
        {
            // A context that failed to close goes with the browser below.
        }
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is not a test failure.
        }
    }

    private sealed class Factory(string databasePath, FailingEndpoint failing) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("ConnectionStrings:Portal", $"Data Source={databasePath}");
            builder.UseSetting("Database:MigrateOnStartup", "true");
            builder.UseSetting("Database:SeedDemoData", "true");
            builder.UseSetting("Database:DemoEscalationClocks", "false"); // the tests' incidents start their own clocks
            // A file of many batches takes seconds, long enough to cancel it from the page; a file of one batch waits once.
            builder.UseSetting("Remediation:Import:PauseBetweenBatches", "00:00:00.250");
            builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter>(failing));
        }
    }
}
