using System.ComponentModel;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Domain;

namespace Portal.Features.Remediation;

/// <summary>
/// The safety net under the import jobs (the database is the truth, Hangfire the executor): unfinished imports whose
/// heartbeat is older than <see cref="DeviceImportOptions.StaleAfter"/> have lost their runner — a process killed
/// mid-import, a job lost with in-memory storage or left invisible by a dead server, an enqueue that never happened because
/// the process died right after the commit — and are handed out again. One query finds them, one UPDATE marks them handed
/// out (so the next sweep waits again), then one job each. A run that finds its import already moving stops at its first
/// batch (see <see cref="DeviceImportJob"/>), so handing one out twice costs nothing but a look.
/// </summary>
public sealed class DeviceImportSweep(PortalDbContext db, TenantScope scope, IBackgroundJobClient jobs, TimeProvider clock, IOptions<DeviceImportOptions> options)
{
    public const string RecurringJobId = "device-import-sweep";

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Device import sweep")]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        scope.UseSystemAccess(); // across tenants by nature: it reads ids and hands each to a job that names its tenant
        var now = clock.GetUtcNow();
        var staleBefore = now - options.Value.StaleAfter;
        var stale = await db.DeviceImports.AsNoTracking()
            .Where(i => (i.Status == DeviceImportStatus.Queued || i.Status == DeviceImportStatus.Running) && i.HeartbeatAt < staleBefore)
            .OrderBy(i => i.HeartbeatAt).Select(i => i.Id).Take(100).ToListAsync(cancellationToken);
        if (stale.Count == 0) return 0;
        await db.DeviceImports.Where(i => stale.Contains(i.Id) && i.HeartbeatAt < staleBefore)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.HeartbeatAt, now), cancellationToken);
        foreach (var id in stale) DeviceImportJobs.Enqueue(jobs, id);
        return stale.Count;
    }
}
