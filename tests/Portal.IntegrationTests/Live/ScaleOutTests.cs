using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Auth;

[assembly: AssemblyFixture(typeof(Portal.IntegrationTests.Infrastructure.RedisServer))]

namespace Portal.IntegrationTests.Live;

/// <summary>Two instances on real ports, one PostgreSQL database, one real Redis backplane.</summary>
public sealed class ScaleOutTests(PostgresServer postgres, RedisServer redis) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ScaledOutApp? _a;
    private ScaledOutApp? _b;

    public async ValueTask InitializeAsync()
    {
        await redis.EnsureStartedAsync();
        _a = new ScaledOutApp(postgres, redis.Configuration);
        await _a.InitializeAsync();
        _b = new ScaledOutApp(postgres, redis.Configuration, _a.ConnectionString, _a.Services.GetRequiredService<DevelopmentTokens>());
        await _b.InitializeAsync();
    }

    [Fact]
    public async Task A_client_on_instance_A_receives_a_change_made_through_instance_B()
    {
        _a!.ServerAddress.Port.ShouldNotBe(_b!.ServerAddress.Port);
        await using var customerOnA = await _a.ConnectAsync(DemoDirectory.Olivia);
        await using var strangerOnA = await _a.ConnectAsync(DemoDirectory.Hana);

        var mayaOnB = await _b.ClientForAsync(DemoDirectory.Maya);
        var created = await mayaOnB.PostAsJsonAsync($"/api/v1/tenants/{_b.Demo.TenantId(DemoDirectory.Northwind)}/incidents",
            new { title = "Made through instance B", severity = "Sev1" }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var incidentId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        (await mayaOnB.PostAsync($"/api/v1/incidents/{incidentId}/acknowledge", null, Ct)).EnsureSuccessStatusCode();

        (await customerOnA.WaitForAsync(m => m.Method == "IncidentCreated" && m.IncidentId == incidentId)).Sequence.ShouldBeGreaterThan(0);
        var acknowledged = await customerOnA.WaitForAsync(m => m.IncidentId == incidentId && m.Status == "Acknowledged");
        acknowledged.Payload.GetProperty("incident").GetProperty("title").GetString().ShouldBe("Made through instance B");
        await Task.Delay(1000, Ct);
        strangerOnA.Received.ShouldNotContain(m => m.IncidentId == incidentId);
    }

    public async ValueTask DisposeAsync()
    {
        if (_b is not null) await _b.DisposeAsync();
        if (_a is not null) await _a.DisposeAsync();
    }
}
