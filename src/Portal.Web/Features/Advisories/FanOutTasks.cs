using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;

namespace Portal.Features.Advisories;

/// <summary>What one chunk of fan-out tasks created, per incident, and whether the plans it worked on owe more.</summary>
public sealed record FanOutChunk(IReadOnlyDictionary<Guid, int> Created, bool More)
{
    public static readonly FanOutChunk Nothing = new(new Dictionary<Guid, int>(), false);
}

/// <summary>
/// Creating the tasks of fan-out plans, for the command and for the sweep: one chunk of at most <see cref="ChunkSize"/> devices
/// inside the caller's unit of work, saved once. Each plan goes on from its position (<see cref="FanOutTaskPlan.DoneThroughDeviceId"/>)
/// in the order of device ids; a plan whose devices are all done is removed. The caller commits the chunk and asks for the next
/// while <see cref="FanOutChunk.More"/>, so other writers get their turn between chunks.
/// </summary>
public static class FanOutTasks
{
    /// <summary>
    /// Devices per chunk (per transaction). By hand (tests/Portal.Benchmarks/ByHand/fanout-writers.sh, one run, SQLite): 1,000,000
    /// devices fanned out in 15.9 s, and the notes posted meanwhile were answered within 185 ms.
    /// </summary>
    public const int ChunkSize = 5_000;

    public static async Task<FanOutChunk> CreateChunkAsync(PortalDbContext db, IReadOnlyList<FanOutTaskPlan> plans, DateTimeOffset now, CancellationToken ct, int chunkSize = ChunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        if (plans.Count == 0) return FanOutChunk.Nothing;
        var budget = chunkSize;
        List<FanOutTaskRow> rows = [];
        var created = new Dictionary<Guid, int>();
        var ids = new OrderedIds(); // in creation order: the task list pages by (incident, id), and appends beat random inserts
        var more = false;
        foreach (var plan in plans)
        {
            if (budget == 0)
            {
                more = true;
                break;
            }
            var chunk = await FanOutPlan.DevicesAfter(db, plan.TenantId, plan.DoneThroughDeviceId, new DeviceFilter(plan.DeviceOs, plan.DeviceTag, plan.DeviceSite))
                .Take(budget + 1).Select(d => new { d.Id, d.Hostname }).ToListAsync(ct);
            var finished = chunk.Count <= budget;
            if (!finished) chunk.RemoveAt(chunk.Count - 1);
            budget -= chunk.Count;

            // Tasks someone added to this incident meanwhile (an import, a free task) keep their device: no second task for it.
            var deviceIds = chunk.Select(d => (Guid?)d.Id).ToList();
            var existing = deviceIds.Count == 0 ? new HashSet<Guid?>() : (await db.RemediationTasks.AsNoTracking()
                .Where(t => t.IncidentId == plan.IncidentId && EF.Parameter(deviceIds).Contains(t.DeviceId)).Select(t => t.DeviceId).ToListAsync(ct)).ToHashSet();
            var fresh = chunk.Where(d => !existing.Contains(d.Id)).ToList();
            rows.AddRange(fresh.Select(d => new FanOutTaskRow(ids.Next(now), plan.TenantId, plan.IncidentId, d.Id,
                d.Hostname.Length <= RemediationTask.TitleMaxLength ? d.Hostname : d.Hostname[..RemediationTask.TitleMaxLength])));
            created[plan.IncidentId] = fresh.Count;

            if (finished) db.FanOutTaskPlans.Remove(plan); // conflicts if another runner moved or removed it first: the re-run sees what it did
            else
            {
                plan.ChunkDone(chunk[^1].Id, now);
                more = true;
            }
        }

        // The counters and a burn-down point go through EF, so the commit path publishes the new totals.
        var incidentIds = created.Keys.ToList();
        var progress = await db.RemediationProgress.Where(p => incidentIds.Contains(p.IncidentId)).ToDictionaryAsync(p => p.IncidentId, ct);
        foreach (var plan in plans.Where(p => created.ContainsKey(p.IncidentId)))
        {
            if (!progress.TryGetValue(plan.IncidentId, out var counters))
            {
                counters = new RemediationProgress(plan.IncidentId, plan.TenantId, now);
                db.RemediationProgress.Add(counters);
            }
            counters.Added(RemediationState.Pending, created[plan.IncidentId], now);
            db.RemediationProgressSamples.Add(counters.Sample(now));
        }

        await db.SaveChangesAsync(ct);
        await AdvisoryFanOutWriter.WriteAsync(db, rows, now, ct);
        return new FanOutChunk(created, more);
    }
}
