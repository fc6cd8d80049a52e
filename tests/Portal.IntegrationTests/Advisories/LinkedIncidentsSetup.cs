using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Advisories;

/// <summary>
/// Test setup only: what the MSP side (acknowledge, fan-out into linked incidents and device tasks) will do through its own
/// commands, written here directly with the DbContext in system scope, so the provider's side can be tested before it exists.
/// Replace with the MSP API once it has landed.
/// </summary>
public static class LinkedIncidentsSetup
{
    /// <summary>The tenant's MSP acknowledges the advisory for it.</summary>
    public static Task AcknowledgeTargetAsync(this PortalApp app, Guid advisoryId, Guid tenantId, string mspEmail = DemoDirectory.Maya) =>
        app.QueryAsync(async db =>
        {
            var target = await db.AdvisoryTargets.SingleAsync(t => t.AdvisoryId == advisoryId && t.TenantId == tenantId);
            var user = app.Demo.User(mspEmail);
            target.Acknowledge(new Actor(user.Id, user.Name, TenantAccess.Msp), DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
            return true;
        });

    /// <summary>
    /// A linked incident in the tenant with <paramref name="total"/> device tasks of which <paramref name="done"/> are Done,
    /// <paramref name="notApplicable"/> NotApplicable and <paramref name="failed"/> Failed (the counters and one burn-down
    /// sample per step, as the remediation commands write them); resolved when asked.
    /// </summary>
    public static Task<Guid> LinkIncidentAsync(this PortalApp app, Guid advisoryId, Guid tenantId, int total, int done, int notApplicable = 0,
        int failed = 0, bool resolved = false, string mspEmail = DemoDirectory.Maya) =>
        app.QueryAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            var advisory = await db.Advisories.AsNoTracking().SingleAsync(a => a.Id == advisoryId);
            var providerName = await db.Organisations.Where(o => o.Id == advisory.ProviderId).Select(o => o.Name).SingleAsync();
            var tenant = await db.Organisations.AsNoTracking().SingleAsync(o => o.Id == tenantId);
            var number = (await db.Incidents.Where(i => i.TenantId == tenantId).MaxAsync(i => (int?)i.Number) ?? 0) + 1;
            var user = app.Demo.User(mspEmail);
            var msp = new Actor(user.Id, user.Name, TenantAccess.Msp);
            var incident = Incident.OpenFromAdvisory(tenantId, number, tenant.IncidentPrefix!, advisory, providerName, msp, now.AddMinutes(-30));
            db.Incidents.Add(incident);
            var progress = new RemediationProgress(incident.Id, tenantId, now.AddMinutes(-30));
            db.RemediationProgress.Add(progress);
            await db.SaveChangesAsync();

            progress.Added(RemediationState.Pending, total - done - notApplicable - failed, now.AddMinutes(-20));
            db.RemediationProgressSamples.Add(progress.Sample(now.AddMinutes(-20)));
            progress.Added(RemediationState.Done, done, now.AddMinutes(-10));
            progress.Added(RemediationState.NotApplicable, notApplicable, now.AddMinutes(-10));
            progress.Added(RemediationState.Failed, failed, now.AddMinutes(-10));
            db.RemediationProgressSamples.Add(progress.Sample(now.AddMinutes(-10)));
            if (resolved)
            {
                incident.Acknowledge(msp, now.AddMinutes(-5));
                incident.ChangeStatus(IncidentStatus.Resolved, null, msp, now.AddMinutes(-1));
            }
            await db.SaveChangesAsync();
            return incident.Id;
        });
}
