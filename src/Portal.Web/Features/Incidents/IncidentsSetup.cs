using Portal.Pipeline;
using Portal.Pipeline.Commit;

namespace Portal.Features.Incidents;

public static class IncidentsSetup
{
    /// <summary>The customers' shared view of an incident, and the reaction that drops it on every change of the incident.</summary>
    public static void AddIncidents(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CustomerIncidentCache>();
        builder.Services.AddSingleton<IKnownIncidentTenants>(services => services.GetRequiredService<CustomerIncidentCache>());
        builder.Services.AddSingleton<ICommitReaction, RefreshIncidentViewsAfterCommit>();
    }
}
