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
/// batch (see <see cref="DeviceImportJob"/>), so handing one out twice costs nothing but a look. It also removes the files
/// nothing will read again (<see cref="RemoveLeftFilesAsync"/>).
/// </summary>
public sealed class DeviceImportSweep(PortalDbContext db, TenantScope scope, IBackgroundJobClient jobs, TimeProvider clock, IOptions<DeviceImportOptions> options,
    IWebHostEnvironment environment)
{
    public const string RecurringJobId = "device-import-sweep";

    /// <summary>
    /// An upload still being received writes to its staging file all the time, and an import's file is dated when its row is
    /// committed, a moment later: a staging file untouched, or an import file without its row, for this long was abandoned.
    /// </summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(1);

    /// <summary>Import files looked up per query: a folder of thousands takes a few queries, not one with thousands of ids.</summary>
    private const int FilesPerQuery = 500;

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
        if (stale.Count > 0)
        {
            await db.DeviceImports.Where(i => stale.Contains(i.Id) && i.HeartbeatAt < staleBefore)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.HeartbeatAt, now), cancellationToken);
            foreach (var id in stale) DeviceImportJobs.Enqueue(jobs, id);
        }
        await RemoveLeftFilesAsync(now, cancellationToken);
        return stale.Count;
    }

    /// <summary>
    /// The files in the import folder nothing will read again, removed: a finished import's (completed, failed or cancelled:
    /// final states), which its job removes itself unless it died first or never ran — a cancelled import whose job storage was
    /// lost — and, after <see cref="AbandonedAfter"/>, a staging file of an upload nobody writes to any more or an import file
    /// whose row was never committed (a process killed between the two). A file whose import is unfinished is left alone, and
    /// so is a younger file without a row: its import may be committing right now. Answers how many went.
    /// </summary>
    public async Task<int> RemoveLeftFilesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var folder = options.Value.FolderPath(environment.ContentRootPath);
        if (!Directory.Exists(folder)) return 0;
        var removed = 0;
        var imports = new List<(Guid Id, string Path)>();
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith("upload-", StringComparison.Ordinal) && name.EndsWith(".part", StringComparison.Ordinal))
            {
                if (now - File.GetLastWriteTimeUtc(path) > AbandonedAfter && ImportFile.TryDelete(path)) removed++;
            }
            else if (name.EndsWith(".csv", StringComparison.Ordinal) && Guid.TryParseExact(name[..^4], "N", out var id))
            {
                imports.Add((id, path));
            }
        }
        // Every file in each sweep: with one capped look-up, files of running imports that came first in the folder's order
        // hid the rest for as long as those ran.
        foreach (var chunk in imports.Chunk(FilesPerQuery))
        {
            List<Guid> ids = [.. chunk.Select(f => f.Id)];
            var statuses = await db.DeviceImports.AsNoTracking().Where(i => ids.Contains(i.Id))
                .ToDictionaryAsync(i => i.Id, i => i.Status, cancellationToken);
            foreach (var (id, path) in chunk)
            {
                var unread = statuses.TryGetValue(id, out var status)
                    ? status is DeviceImportStatus.Completed or DeviceImportStatus.Failed or DeviceImportStatus.Cancelled
                    : now - File.GetLastWriteTimeUtc(path) > AbandonedAfter;
                if (unread && ImportFile.TryDelete(path)) removed++;
            }
        }
        return removed;
    }
}
