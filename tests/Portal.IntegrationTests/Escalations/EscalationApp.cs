using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Features.Escalations;

namespace Portal.IntegrationTests.Escalations;

/// <summary>
/// The app on a clock the tests move (<see cref="FakeTimeProvider"/>): a test advances it past a due time and runs the delayed job
/// or the sweep itself instead of waiting. The recurring sweep and the advisory progress sampler are set to a date that never comes, so nothing runs behind a test's back.
/// </summary>
public abstract class EscalationApp(DbProvider provider, PostgresServer? postgres) : PortalApp(provider, postgres)
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Escalations:SweepCron", "0 0 31 2 *");
        builder.UseSetting("Advisories:ProgressSamplerCron", "0 0 31 2 *");
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public Guid HarborId => Demo.Organisations.Single(o => o.Name == "Harbor IT Partners").Id;
    public Guid BluepeakId => Demo.Organisations.Single(o => o.Name == "Bluepeak Managed Services").Id;

    /// <summary>The delayed job of one incident, as Hangfire would run it.</summary>
    public async Task RunJobAsync(Guid incidentId, Guid tenantId)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<EscalationJob>().RunAsync(incidentId, tenantId, CancellationToken.None);
    }

    public async Task<int> SweepAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EscalationSweep>().RunAsync(CancellationToken.None);
    }
}

public sealed class EscalationSqliteApp() : EscalationApp(DbProvider.Sqlite, null);

public sealed class EscalationPostgresApp(PostgresServer postgres) : EscalationApp(DbProvider.PostgreSql, postgres);

public sealed record ClockDto(DateTimeOffset? AcknowledgeDueAt, DateTimeOffset? ResolveDueAt, DateTimeOffset? NextEscalationAt, int AcknowledgeLevelsFired, int ResolveLevelsFired);

public sealed record IncidentWithClockDto(Guid Id, Guid TenantId, string Severity, string Status, DateTimeOffset CreatedAt, ClockDto? Escalation);

public static class EscalationWire
{
    public static async Task<IncidentWithClockDto> GetWithClockAsync(this HttpClient client, Guid incidentId)
    {
        using var response = await client.GetAsync($"/api/v1/incidents/{incidentId}");
        return await response.ReadAsync<IncidentWithClockDto>();
    }
}
