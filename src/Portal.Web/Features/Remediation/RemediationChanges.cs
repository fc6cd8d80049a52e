using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;

namespace Portal.Features.Remediation;

/// <summary>
/// What every command that adds or moves tasks does around its domain calls: take the incident's counter row first
/// (it serialises the incident's task writers), record each change in the history and, for a device's task, in the counters,
/// and keep the burn-down's point of the minute. The counters count devices (<see cref="RemediationProgress"/>): a free task
/// ("Rotate the BitLocker keys") has its history and its row in the task list, and no place in "412 of 1,204 devices restored".
/// </summary>
internal static class RemediationChanges
{
    /// <summary>
    /// Locks the incident's counter row for the rest of the transaction (a no-op UPDATE: a row lock on PostgreSQL and
    /// SQL Server, the database write lock on SQLite) and returns it, read after the lock so it is current; null when the
    /// incident has no tasks yet. Two commands on the same incident's tasks then run one after the other instead of both
    /// reading the same counters; a conflict that still slips through (a task changed by a command that holds no lock)
    /// fails the version check and the command is retried (<see cref="Pipeline.IRetriedOnConflict"/>).
    /// </summary>
    public static async Task<RemediationProgress?> LockProgressAsync(this PortalDbContext db, Guid incidentId, CancellationToken ct)
    {
        await db.RemediationProgress.Where(p => p.IncidentId == incidentId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.UpdatedAt, p => p.UpdatedAt), ct);
        return await db.RemediationProgress.SingleOrDefaultAsync(p => p.IncidentId == incidentId, ct);
    }

    /// <summary>The counter row of the incident, created when its first task arrives.</summary>
    public static async Task<RemediationProgress> LockOrCreateProgressAsync(this PortalDbContext db, Incident incident, DateTimeOffset now, CancellationToken ct)
    {
        var progress = await db.LockProgressAsync(incident.Id, ct);
        if (progress is not null) return progress;
        progress = new RemediationProgress(incident.Id, incident.TenantId, now);
        db.RemediationProgress.Add(progress);
        return progress;
    }

    /// <summary>
    /// Keeps a task's move: its history row and, for a device's task, the incident's counters, in the same unit of work. Whether
    /// the counters moved (then the burn-down gets its point).
    /// </summary>
    public static bool Record(this PortalDbContext db, RemediationProgress progress, RemediationTask task, RemediationTaskChange change)
    {
        if (change.TaskId != task.Id) throw new InvalidOperationException("The change belongs to another task.");
        db.RemediationTaskChanges.Add(change);
        if (task.DeviceId is null)
        {
            progress.FreeTaskMoved(change.At);
            return false;
        }
        progress.Record(change);
        return true;
    }

    /// <summary>
    /// Keeps many moves of a bulk update in the same transaction: the net change of the device tasks' moves in the counters (saved
    /// with the counter row by SaveChanges, so the commit path publishes it), and every move's history row inserted set-based,
    /// untracked. <paramref name="deviceTaskIds"/> are the tasks among them that have a device. Whether the counters moved.
    /// </summary>
    public static async Task<bool> RecordManyAsync(this PortalDbContext db, RemediationProgress progress, IReadOnlyList<RemediationTaskChange> changes,
        IReadOnlySet<Guid> deviceTaskIds, CancellationToken ct)
    {
        var ofDevices = changes.Where(c => deviceTaskIds.Contains(c.TaskId)).ToList();
        progress.RecordMany(ofDevices);
        if (ofDevices.Count < changes.Count) progress.FreeTaskMoved(changes.Max(c => c.At));
        await db.InsertAsync(changes, ct);
        return ofDevices.Count > 0;
    }

    /// <summary>
    /// The burn-down point of a command that moved the counters, at most one per incident per minute: a change in the minute of
    /// the incident's latest point moves that point to now (the chart shows where each minute ended), any other adds one. A
    /// burn-down is read whole on every refresh of its chart, so one point per change let a busy outage (one task at a time from
    /// an RMM tool, 100,000 changes) make each refresh read 100,000 rows; per minute, a day is 1,440. The incident's
    /// first point is never moved, so the chart keeps where the work started. Runs under the counter row's lock: no other writer
    /// of this incident's points is in between.
    /// </summary>
    public static async Task AddSampleAsync(this PortalDbContext db, RemediationProgress progress, DateTimeOffset now, CancellationToken ct)
    {
        var utc = now.UtcDateTime;
        var minute = new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        var (incidentId, total, completed, failed, notApplicable) = (progress.IncidentId, progress.Total, progress.Completed, progress.Failed, progress.NotApplicable);
        var moved = await db.RemediationProgressSamples
            .Where(s => s.IncidentId == incidentId && s.At >= minute
                && db.RemediationProgressSamples.Any(earlier => earlier.IncidentId == incidentId && earlier.At < s.At))
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.At, now).SetProperty(s => s.Total, total)
                .SetProperty(s => s.Completed, completed).SetProperty(s => s.Failed, failed).SetProperty(s => s.NotApplicable, notApplicable), ct);
        if (moved == 0) db.RemediationProgressSamples.Add(progress.Sample(now));
    }

    /// <summary>The incident, from EF's identity map when the access check loaded it, else through the filtered context.</summary>
    public static async Task<Incident> LoadIncidentAsync(this PortalDbContext db, Guid incidentId, CancellationToken ct) =>
        db.Incidents.Local.FirstOrDefault(i => i.Id == incidentId)
        ?? await db.Incidents.SingleOrDefaultAsync(i => i.Id == incidentId, ct)
        ?? throw new NotFoundException("incident", incidentId);

    /// <summary>
    /// The name of the person a task may be assigned to: an engineer or lead of an MSP with an active contract for the
    /// tenant (the rule incidents follow too); null for anyone else.
    /// </summary>
    public static async Task<string?> AssignableNameAsync(this PortalDbContext db, Guid tenantId, Guid userId, DateTimeOffset now, CancellationToken ct) =>
        await (from contract in db.Contracts
               where contract.CustomerId == tenantId && contract.StartedAt <= now && (contract.EndedAt == null || contract.EndedAt > now)
               join membership in db.Memberships on contract.MspId equals membership.OrganisationId
               where membership.UserId == userId && (membership.Role == Role.MspEngineer || membership.Role == Role.MspLead)
               join user in db.Users on membership.UserId equals user.Id
               select user.DisplayName).FirstOrDefaultAsync(ct);

    /// <summary>A task of an incident, from EF's identity map when the access check loaded it, else through the filtered context.</summary>
    public static async Task<RemediationTask> LoadTaskAsync(this PortalDbContext db, Guid taskId, CancellationToken ct) =>
        db.RemediationTasks.Local.FirstOrDefault(t => t.Id == taskId)
        ?? await db.RemediationTasks.SingleOrDefaultAsync(t => t.Id == taskId, ct)
        ?? throw new NotFoundException("task", taskId);

    public static async Task<Device> LoadDeviceAsync(this PortalDbContext db, Guid deviceId, CancellationToken ct) =>
        db.Devices.Local.FirstOrDefault(d => d.Id == deviceId)
        ?? await db.Devices.SingleOrDefaultAsync(d => d.Id == deviceId, ct)
        ?? throw new NotFoundException("device", deviceId);
}
