using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;

namespace Portal.Features.Advisories;

/// <summary>Creating the tasks of fan-out plans, for the command and for the sweep: inside the caller's unit of work, saved once.</summary>
public static class FanOutTasks
{
    public static async Task<IReadOnlyDictionary<Guid, int>> CreateAsync(PortalDbContext db, IReadOnlyList<FanOutTaskPlan> plans, DateTimeOffset now, CancellationToken ct)
    {
        if (plans.Count == 0) return new Dictionary<Guid, int>();
        db.FanOutTaskPlans.RemoveRange(plans); // a plan another runner removed first makes this save conflict: the re-run finds it gone

        var incidentIds = plans.Select(p => p.IncidentId).ToList();
        // Tasks someone added to these incidents meanwhile (an import, a free task) keep their device: no second task for it.
        var existing = (await db.RemediationTasks.AsNoTracking().Where(t => incidentIds.Contains(t.IncidentId))
            .Select(t => new { t.IncidentId, t.DeviceId }).ToListAsync(ct)).Select(t => (t.IncidentId, t.DeviceId)).ToHashSet();
        var progress = await db.RemediationProgress.Where(p => incidentIds.Contains(p.IncidentId)).ToDictionaryAsync(p => p.IncidentId, ct);

        List<FanOutTaskRow> rows = [];
        var created = new Dictionary<Guid, int>(plans.Count);
        var ids = new OrderedIds(); // in creation order: the task list pages by (incident, id), and appends beat random inserts
        // One device query per advisory and filter (a tenant has at most one linked incident per advisory).
        foreach (var group in plans.GroupBy(p => (p.AdvisoryId, Filter: new DeviceFilter(p.DeviceOs, p.DeviceTag, p.DeviceSite))))
        {
            var incidentOf = group.ToDictionary(p => p.TenantId, p => p.IncidentId);
            var devices = await FanOutPlan.Devices(db, incidentOf.Keys, group.Key.Filter).OrderBy(d => d.TenantId).ThenBy(d => d.Id)
                .Select(d => new { d.Id, d.TenantId, d.Hostname }).ToListAsync(ct);
            foreach (var device in devices)
            {
                var incidentId = incidentOf[device.TenantId];
                if (existing.Contains((incidentId, device.Id))) continue;
                rows.Add(new FanOutTaskRow(ids.Next(now), device.TenantId, incidentId, device.Id,
                    device.Hostname.Length <= RemediationTask.TitleMaxLength ? device.Hostname : device.Hostname[..RemediationTask.TitleMaxLength]));
                created[incidentId] = created.GetValueOrDefault(incidentId) + 1;
            }
        }

        foreach (var plan in plans)
        {
            // The counters and a burn-down point go through EF, so the commit path publishes the new totals.
            if (!progress.TryGetValue(plan.IncidentId, out var counters))
            {
                counters = new RemediationProgress(plan.IncidentId, plan.TenantId, now);
                db.RemediationProgress.Add(counters);
            }
            counters.Added(RemediationState.Pending, created.GetValueOrDefault(plan.IncidentId), now);
            db.RemediationProgressSamples.Add(counters.Sample(now));
        }

        await db.SaveChangesAsync(ct);
        await AdvisoryFanOutWriter.WriteAsync(db, rows, now, ct);
        return created;
    }
}
