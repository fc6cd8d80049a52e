using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Auth;

namespace Portal.IntegrationTests.Live;

/// <summary>
/// Issue 13, part 6 across instances: two instances on one PostgreSQL database and one Redis server; the member's socket and
/// API calls are on instance B, the removal goes through instance A. A's commit path waits for B's acknowledgement.
/// </summary>
public sealed class ScaledOutRevocationTests(PostgresServer postgres, RedisServer redis) : IAsyncLifetime
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
    public async Task A_member_removed_through_instance_A_hears_nothing_more_on_instance_B_and_is_refused_there()
    {
        var northwind = _a!.Demo.TenantId(DemoDirectory.Northwind);
        await using var noahOnB = await _b!.ConnectAsync(DemoDirectory.Noah);
        await using var oliviaOnB = await _b.ConnectAsync(DemoDirectory.Olivia);
        var noahApiOnB = await _b.ClientForAsync(DemoDirectory.Noah);
        var mayaApiOnA = await _a.ClientForAsync(DemoDirectory.Maya);
        var oliviaApiOnA = await _a.ClientForAsync(DemoDirectory.Olivia);

        var before = await RevocationApi.NewIncidentAsync(mayaApiOnA, northwind, "Before the removal, through A");
        await noahOnB.WaitForAsync(m => m.IncidentId == before);
        (await noahApiOnB.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK); // his access is cached on B

        var membershipId = await RevocationApi.MembershipIdAsync(oliviaApiOnA, northwind, DemoDirectory.Noah);
        var heardBefore = noahOnB.Received.Count;
        (await oliviaApiOnA.DeleteAsync($"/api/v1/organisations/{northwind}/members/{membershipId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await noahApiOnB.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var after = await RevocationApi.NewIncidentAsync(mayaApiOnA, northwind, "After the removal, through A");
        await RevocationApi.CustomerNoteAsync(mayaApiOnA, after, "Customer-visible, after the removal");
        await oliviaOnB.WaitForAsync(m => m.IncidentId == after && m.EntryText == "Customer-visible, after the removal");
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        noahOnB.Received.Count.ShouldBe(heardBefore, $"Noah heard on B after his removal:\n{string.Join("\n", noahOnB.Received.Skip(heardBefore))}");
        await RevocationApi.ShouldBeClosedAsync(noahOnB);
    }

    public async ValueTask DisposeAsync()
    {
        if (_b is not null) await _b.DisposeAsync();
        if (_a is not null) await _a.DisposeAsync();
    }
}
