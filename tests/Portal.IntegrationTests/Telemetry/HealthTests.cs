using System.Text.Json;
using Microsoft.AspNetCore.Hosting;

namespace Portal.IntegrationTests.Telemetry;

/// <summary>
/// Portal on a PostgreSQL server and a Redis backplane of its own, which the tests stop and start: nothing
/// another test class uses goes down.
/// </summary>
public sealed class HealthApp : PortalApp
{
    public HealthApp() : this(new PostgresServer()) { }

    private HealthApp(PostgresServer postgres) : base(DbProvider.PostgreSql, postgres) => Postgres = postgres;

    public PostgresServer Postgres { get; }
    public RedisServer Redis { get; } = new();

    public override async ValueTask InitializeAsync()
    {
        await Redis.EnsureStartedAsync();
        await base.InitializeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("SignalR:Redis", Redis.Configuration);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Postgres.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

public sealed class HealthTests(HealthApp app) : IClassFixture<HealthApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ready_goes_unhealthy_while_the_database_is_down_and_back_after_it_restarts_while_live_stays_up()
    {
        using var anonymous = app.Anonymous();
        (await GetAsync(anonymous, "/health/ready")).ShouldBe((HttpStatusCode.OK, "Healthy"));
        (await GetAsync(anonymous, "/health/live")).ShouldBe((HttpStatusCode.OK, "Healthy"));

        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        (await maya.GetAsync("/api/v1/incidents", Ct)).EnsureSuccessStatusCode(); // known to Portal before the outage
        await app.Postgres.StopAsync();
        try
        {
            (await WaitForAsync(anonymous, "/health/ready", HttpStatusCode.ServiceUnavailable)).ShouldBe("Unhealthy", "the status word, nothing more");
            // An API client is told to come back (503 and Retry-After), not that Portal has a bug (500).
            foreach (var request in new Func<Task<HttpResponseMessage>>[]
                     {
                         () => maya.GetAsync("/api/v1/incidents?page=2", Ct),
                         () => maya.PostJsonAsync($"/api/v1/tenants/{app.Demo.TenantId(DemoDirectory.Northwind)}/incidents", new { title = "During the outage", severity = "Sev3" }),
                     })
            {
                using var refused = await request();
                var problem = await refused.ReadProblemAsync(HttpStatusCode.ServiceUnavailable);
                problem.Code.ShouldBe("database_unavailable");
                refused.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(5));
            }
            (await GetAsync(anonymous, "/health/live")).ShouldBe((HttpStatusCode.OK, "Healthy"));
            (await GetAsync(anonymous, "/health")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, "/health is ready's old name");
        }
        finally
        {
            await app.Postgres.StartAsync();
        }

        (await WaitForAsync(anonymous, "/health/ready", HttpStatusCode.OK)).ShouldBe("Healthy");
        (await GetAsync(anonymous, "/health/live")).ShouldBe((HttpStatusCode.OK, "Healthy"));
    }

    [Fact]
    public async Task Ready_goes_unhealthy_while_Redis_is_down_and_a_PlatformAdmin_sees_which_check_failed()
    {
        using var anonymous = app.Anonymous();
        var ada = await app.ClientForAsync(DemoDirectory.Ada);
        (await WaitForAsync(anonymous, "/health/ready", HttpStatusCode.OK)).ShouldBe("Healthy");
        var healthy = await DetailAsync(ada, HttpStatusCode.OK);
        healthy.GetProperty("status").GetString().ShouldBe("Healthy");
        Checks(healthy).ShouldBe(new Dictionary<string, string> { ["database"] = "Healthy", ["redis"] = "Healthy" });

        await app.Redis.StopAsync();
        try
        {
            (await WaitForAsync(anonymous, "/health/ready", HttpStatusCode.ServiceUnavailable)).ShouldBe("Unhealthy");
            (await GetAsync(anonymous, "/health/live")).ShouldBe((HttpStatusCode.OK, "Healthy"));

            var down = await DetailAsync(ada, HttpStatusCode.ServiceUnavailable);
            down.GetProperty("status").GetString().ShouldBe("Unhealthy");
            Checks(down).ShouldBe(new Dictionary<string, string> { ["database"] = "Healthy", ["redis"] = "Unhealthy" });
            var redis = down.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "redis");
            redis.GetProperty("description").GetString().ShouldNotBeNullOrWhiteSpace();
            TimeSpan.Parse(redis.GetProperty("duration").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
                .ShouldBeLessThan(TimeSpan.FromSeconds(5), "the Redis check has a short timeout");
        }
        finally
        {
            await app.Redis.StartAsync();
        }

        (await WaitForAsync(anonymous, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(60))).ShouldBe("Healthy");
    }

    [Fact]
    public async Task Only_a_PlatformAdmin_gets_the_detail_of_the_checks()
    {
        (await WaitForAsync(app.Anonymous(), "/health/ready", HttpStatusCode.OK)).ShouldBe("Healthy");

        // Anyone else, signed in or not, with a valid token or a token Portal does not know: the status word only.
        var others = new[]
        {
            app.Anonymous(),
            await app.ClientForAsync(DemoDirectory.Maya),
            await app.ClientForAsync(DemoDirectory.Olivia),
            app.ClientWithToken(app.MintToken(Guid.NewGuid(), Guid.NewGuid())),
        };
        foreach (var client in others)
        {
            using var response = await client.GetAsync("/health/ready", Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Content.Headers.ContentType?.MediaType.ShouldBe("text/plain");
            (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("Healthy");
        }

        var detail = await DetailAsync(await app.ClientForAsync(DemoDirectory.Ada), HttpStatusCode.OK);
        foreach (var check in detail.GetProperty("checks").EnumerateArray())
        {
            check.GetProperty("name").GetString().ShouldNotBeNullOrEmpty();
            check.GetProperty("status").GetString().ShouldBe("Healthy");
            check.TryGetProperty("duration", out _).ShouldBeTrue();
            check.TryGetProperty("description", out _).ShouldBeTrue();
        }
        // live has no checks and no detail, for anyone
        using var live = await (await app.ClientForAsync(DemoDirectory.Ada)).GetAsync("/health/live", Ct);
        (await live.Content.ReadAsStringAsync(Ct)).ShouldBe("Healthy");
    }

    private static async Task<(HttpStatusCode StatusCode, string Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>Polls until the endpoint answers <paramref name="status"/>; returns the body.</summary>
    private static async Task<string> WaitForAsync(HttpClient client, string path, HttpStatusCode status, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var (code, body) = await GetAsync(client, path);
            if (code == status) return body;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{path} still answers {(int)code} {body}, not {(int)status}");
            await Task.Delay(200, Ct);
        }
    }

    private static async Task<JsonElement> DetailAsync(HttpClient admin, HttpStatusCode status)
    {
        using var response = await admin.GetAsync("/health/ready", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json", body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static Dictionary<string, string> Checks(JsonElement detail) => detail.GetProperty("checks").EnumerateArray()
        .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!);
}
