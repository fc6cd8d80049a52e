using System.ComponentModel;
using System.Data.Common;
using System.Globalization;
using System.Threading.Channels;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using nietras.SeparatedValues;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;
using Portal.Pipeline;
using Portal.Pipeline.Commit;

namespace Portal.Features.Remediation;

/// <summary>
/// Runs one import: streams its file with Sep (never the whole file in memory), checks each row, and writes batches of
/// <see cref="DeviceImportOptions.BatchSize"/> rows, each in one transaction through the commit path: the devices and
/// tasks (<see cref="DeviceImportWriter"/>), the incident's progress counters and a burn-down sample, the batch's error
/// lines and the import's position (<see cref="DeviceImport.LinesDone"/>); the commit path then tells the live clients
/// (the counters, and the import's progress to its MSP). Hangfire runs a job at least once, so the job
/// is idempotent and the database is the truth: a run starts after the last committed batch, and each batch first claims
/// the position it starts from (an UPDATE … WHERE LinesDone = what this run read); a second runner of the same import
/// loses that race and stops, so no batch counts twice, and a run of an import the MSP cancelled (<see cref="CancelDeviceImport"/>)
/// stops the same way before its next batch. Runs in a scope of its own with system access; every query names
/// the import's tenant.
/// </summary>
public sealed partial class DeviceImportJob(
    PortalDbContext db, TenantScope scope, CommitPublisher publisher, TimeProvider clock,
    IOptions<DeviceImportOptions> options, IWebHostEnvironment environment, ILogger<DeviceImportJob> logger)
{
    private const int MaxAttempts = 5;
    private readonly DeviceImportOptions _options = options.Value;

    [AutomaticRetry(Attempts = 3)]
    [DisplayName("Device import {0}")]
    public async Task RunAsync(Guid importId, CancellationToken cancellationToken)
    {
        scope.UseSystemAccess();
        var import = await db.DeviceImports.AsNoTracking().SingleOrDefaultAsync(i => i.Id == importId, cancellationToken);
        if (import is null) return;
        var tenantId = import.TenantId;
        var path = _options.FileOf(environment.ContentRootPath, importId);
        if (import.IsFinished)
        {
            // Done by an earlier run, or cancelled before this one began: then its file is this run's to remove.
            if (import.Status == DeviceImportStatus.Cancelled) ImportFile.TryDelete(path);
            return;
        }

        var run = await CommitAsync("Device import run", async ct =>
        {
            var tracked = await LoadAsync(importId, tenantId, ct);
            if (tracked.IsFinished) return default;
            tracked.BeginRun(clock.GetUtcNow());
            await db.SaveChangesAsync(ct);
            return (tracked.StalledRuns, tracked.LinesDone);
        }, cancellationToken);
        if (run.StalledRuns == 0)
        {
            await ForgetFileIfCancelledAsync(importId, tenantId, path, cancellationToken); // finished meanwhile by another run, or cancelled
            return;
        }
        if (run.StalledRuns > _options.MaxStalledRuns)
        {
            // The runs before this one ended without a word (the process died during each): nothing says this one would not.
            await FailAsync(importId, tenantId, GaveUp(run.StalledRuns - 1, run.LinesDone, lastError: null), cancellationToken);
            return;
        }
        try
        {
            await RunFromAsync(importId, tenantId, run.LinesDone, path, cancellationToken);
            await ForgetFileIfCancelledAsync(importId, tenantId, path, cancellationToken);
        }
        catch (Exception e) when (run.StalledRuns == _options.MaxStalledRuns && !cancellationToken.IsCancellationRequested)
        {
            // The last attempt failed too, and still no batch committed (the same row refused again and again, a bug): say so on
            // the import, where the engineer looks, instead of leaving it Running while Hangfire and the sweep hand it out for ever.
            var now = await db.DeviceImports.AsNoTracking().Where(i => i.Id == importId && i.TenantId == tenantId)
                .Select(i => new { i.StalledRuns, i.LinesDone }).SingleAsync(CancellationToken.None);
            if (now.StalledRuns < run.StalledRuns) throw; // this run did commit batches before it failed: not stalled, try again
            LogGaveUp(logger, e, importId, run.StalledRuns, now.LinesDone);
            await FailAsync(importId, tenantId, GaveUp(run.StalledRuns, now.LinesDone, e), CancellationToken.None);
        }
    }

    /// <summary>What the engineer reads on an import given up on (not the exception's text, which may name the schema: the log has it).</summary>
    private static string GaveUp(int runs, long linesDone, Exception? lastError) => string.Create(CultureInfo.InvariantCulture,
        $"The import stopped after {runs} attempts in a row that could not write the lines after line {linesDone} ({(lastError is null ? "each ended without finishing, as if the server stopped during it" : $"each failed, the last with {lastError.GetType().Name}")}). The lines before stay imported, the rest were not: upload them again once the cause is fixed. The server's log has the details.");

    private async Task RunFromAsync(Guid importId, Guid tenantId, long position, string path, CancellationToken cancellationToken)
    {
        DeviceFileColumns columns;
        try
        {
            columns = DeviceFileColumns.Parse(await ReadHeaderAsync(path, cancellationToken), _options.MaxColumns);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DeviceFileRefusedException)
        {
            await FailAsync(importId, tenantId, e is FileNotFoundException or DirectoryNotFoundException
                ? "The uploaded file is no longer in the import folder (Remediation:Import:Folder); upload it again."
                : $"The file could not be read: {e.Message}", cancellationToken);
            return;
        }

        LogRunning(logger, importId, position);
        // The file is read and checked one batch ahead, on a task of its own, while the batch before commits: the database
        // and the parser work at the same time (on PostgreSQL the merge waits on the database, and the parsing of 5,000
        // rows took as long again). Batches still commit one at a time, in file order, each with its position.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var reading = Task.Run(() => ReadBatchesAsync(path, columns, tenantId, position, batches.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken))
            {
                switch (await WriteBatchAsync(importId, tenantId, position, batch, cancellationToken))
                {
                    case BatchOutcome.LostRace:
                        return;
                    case BatchOutcome.IncidentClosed:
                        // Closed while its devices were read in: a closed incident's tasks no longer change (Incident.RequireNotClosed).
                        await FailAsync(importId, tenantId, "The incident was closed while its devices were imported: the lines before that stay imported, the rest were not.", cancellationToken);
                        return;
                }
                position = batch.LastLine;
                if (_options.PauseBetweenBatches > TimeSpan.Zero) await Task.Delay(_options.PauseBetweenBatches, clock, cancellationToken);
            }
        }
        finally
        {
            await stop.CancelAsync(); // after a lost race or a failed batch the reader stops; a failure of the reader (the file unreadable mid-way) surfaces here
            try { await reading; } catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        }
        if (await CompleteAsync(importId, tenantId, position, cancellationToken)) ImportFile.TryDelete(path);
    }

    /// <summary>
    /// Reads the lines after the header and after <paramref name="position"/> into batches of <see cref="DeviceImportOptions.BatchSize"/>
    /// rows, in file order. The header is the first line that is not blank, as the upload found it: Sep's own header would be the
    /// first line, and a file starting with an empty line made its real header a device named "hostname".
    /// </summary>
    private async Task ReadBatchesAsync(string path, DeviceFileColumns columns, Guid tenantId, long position, ChannelWriter<Batch> batches, CancellationToken ct)
    {
        try
        {
            var ids = new OrderedIds();
            var batch = new Batch(tenantId, clock.GetUtcNow(), ids);
            await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan | FileOptions.Asynchronous))
            {
                using var reader = Sep.New(columns.Separator).Reader(o => o with { Unescape = true, DisableColCountCheck = true, HasHeader = false }).From(stream);
                var headerRead = false;
                foreach (var row in reader)
                {
                    if (!headerRead)
                    {
                        // Blank lines, then the header the columns come from. (Sep numbers a header-less reader's first row oddly: skipped by content, not number.)
                        headerRead = !(row.ColCount == 1 && row[0].Span.Trim().IsEmpty);
                        continue;
                    }
                    if (row.LineNumberFrom <= position) continue; // committed by an earlier run
                    batch.Add(row, columns);
                    if (batch.Rows < _options.BatchSize) continue;
                    await batches.WriteAsync(batch, ct);
                    batch = new Batch(tenantId, clock.GetUtcNow(), ids);
                }
            }
            if (batch.Rows > 0) await batches.WriteAsync(batch, ct);
            batches.Complete();
        }
        catch (Exception e)
        {
            batches.Complete(e);
            throw;
        }
    }

    private enum BatchOutcome { Written, LostRace, IncidentClosed }

    /// <summary>
    /// One batch in one transaction; <see cref="BatchOutcome.LostRace"/> when another run of the same import had already moved past
    /// <paramref name="position"/>, <see cref="BatchOutcome.IncidentClosed"/> (nothing written) when the incident was closed meanwhile.
    /// </summary>
    private async Task<BatchOutcome> WriteBatchAsync(Guid importId, Guid tenantId, long position, Batch batch, CancellationToken cancellationToken)
    {
        var closed = false;
        var view = await CommitAsync("Device import batch", async ct =>
        {
            var now = clock.GetUtcNow();
            if (!await ClaimAsync(importId, tenantId, position, now, ct)) return null;
            var import = await LoadAsync(importId, tenantId, ct);
            if (await IsClosedAsync(import, ct))
            {
                closed = true;
                return null;
            }
            var written = await DeviceImportWriter.WriteAsync(db, import, batch.Devices, now, ct);
            var progress = await ProgressOfAsync(import, now, ct);
            progress.Added(RemediationState.Pending, written.TasksCreated, now);
            if (written.TasksCreated > 0) db.RemediationProgressSamples.Add(progress.Sample(now));
            db.DeviceImportErrors.AddRange(batch.Errors.Select(e => new DeviceImportError(import, e.Line, e.Hostname, e.Reason)));
            var unchanged = batch.Devices.Count - written.TasksCreated + batch.Duplicates;
            import.BatchDone(batch.LastLine, batch.Rows, written.DevicesCreated, written.TasksCreated, unchanged, batch.Errors.Count, now);
            await db.SaveChangesAsync(ct);
            return DeviceImportView.From(import);
        }, cancellationToken);
        if (closed) return BatchOutcome.IncidentClosed;
        if (view is null)
        {
            LogLostRace(logger, importId, position);
            return BatchOutcome.LostRace;
        }
        return BatchOutcome.Written;
    }

    /// <summary>
    /// After a run: an import the MSP cancelled meanwhile made its next batch find it no longer running (as if another run had
    /// moved it on), and its file, no longer read, is removed here, once the reader has let go of it.
    /// </summary>
    private async Task ForgetFileIfCancelledAsync(Guid importId, Guid tenantId, string path, CancellationToken ct)
    {
        if (!await db.DeviceImports.AnyAsync(i => i.Id == importId && i.TenantId == tenantId && i.Status == DeviceImportStatus.Cancelled, ct)) return;
        LogCancelled(logger, importId);
        ImportFile.TryDelete(path);
    }

    private Task<bool> IsClosedAsync(DeviceImport import, CancellationToken ct) =>
        db.Incidents.AnyAsync(i => i.Id == import.IncidentId && i.TenantId == import.TenantId && i.Status == IncidentStatus.Closed, ct);

    /// <summary>All lines done: Completed, and one customer-visible line on the incident's timeline when devices were added.</summary>
    private async Task<bool> CompleteAsync(Guid importId, Guid tenantId, long position, CancellationToken cancellationToken)
    {
        var view = await CommitAsync("Device import completion", async ct =>
        {
            var now = clock.GetUtcNow();
            if (!await ClaimAsync(importId, tenantId, position, now, ct)) return null;
            var import = await LoadAsync(importId, tenantId, ct);
            import.Complete(now);
            // Every line is in; an incident closed since the last batch keeps its finished record without a line more.
            if (import.TasksCreated > 0 && !await IsClosedAsync(import, ct))
            {
                var incident = await db.Incidents.SingleAsync(i => i.Id == import.IncidentId && i.TenantId == tenantId, ct);
                var actor = new Actor(import.StartedById, import.StartedByName, TenantAccess.Msp);
                // Customer-visible: the count, not the MSP's file name (its own naming, which may name other customers).
                incident.RecordRemediation(string.Create(CultureInfo.InvariantCulture,
                    $"Imported {import.TasksCreated:N0} affected {(import.TasksCreated == 1 ? "device" : "devices")}"), actor, now);
            }
            await db.SaveChangesAsync(ct);
            return DeviceImportView.From(import);
        }, cancellationToken);
        if (view is null) return false;
        LogCompleted(logger, importId, view.RowsRead, view.TasksCreated, view.ErrorCount);
        return true;
    }

    private async Task FailAsync(Guid importId, Guid tenantId, string reason, CancellationToken cancellationToken)
    {
        var view = await CommitAsync("Device import failure", async ct =>
        {
            var import = await LoadAsync(importId, tenantId, ct);
            if (import.IsFinished) return null;
            import.Fail(reason, clock.GetUtcNow());
            await db.SaveChangesAsync(ct);
            return DeviceImportView.From(import);
        }, cancellationToken);
        if (view is null) return;
        LogFailed(logger, importId, reason);
        ImportFile.TryDelete(_options.FileOf(environment.ContentRootPath, importId));
    }

    /// <summary>
    /// Holds the import's row for this transaction and proves that no other run moved it since this one read its position
    /// (the row lock makes a concurrent runner wait, then find LinesDone changed). Also the heartbeat the sweep looks at.
    /// </summary>
    private async Task<bool> ClaimAsync(Guid importId, Guid tenantId, long position, DateTimeOffset now, CancellationToken ct) =>
        await db.DeviceImports
            .Where(i => i.Id == importId && i.TenantId == tenantId && i.Status == DeviceImportStatus.Running && i.LinesDone == position)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.HeartbeatAt, now), ct) == 1;

    private Task<DeviceImport> LoadAsync(Guid importId, Guid tenantId, CancellationToken ct) =>
        db.DeviceImports.SingleAsync(i => i.Id == importId && i.TenantId == tenantId, ct);

    private async Task<RemediationProgress> ProgressOfAsync(DeviceImport import, DateTimeOffset now, CancellationToken ct)
    {
        var progress = await db.RemediationProgress.SingleOrDefaultAsync(p => p.IncidentId == import.IncidentId && p.TenantId == import.TenantId, ct);
        if (progress is not null) return progress;
        progress = new RemediationProgress(import.IncidentId, import.TenantId, now);
        db.RemediationProgress.Add(progress);
        return progress;
    }

    /// <summary>
    /// A unit of work through the commit path (numbers, commit, then the features' reactions: progress reaches live clients),
    /// run again on fresh data when another writer changed the same rows (the incident's counters, the incident itself).
    /// </summary>
    private async Task<T> CommitAsync<T>(string what, Func<CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (result, committed) = await UnitOfWork.CommitAsync(db, what, work, cancellationToken);
                db.ChangeTracker.Clear(); // the next batch starts from the database, and the tracker does not grow with the file
                if (!committed.IsEmpty) await publisher.PublishAsync(committed);
                return result;
            }
            catch (Exception e) when (attempt < MaxAttempts && IsConflict(e))
            {
                db.ChangeTracker.Clear();
                await Task.Delay(Random.Shared.Next(10, 50 * attempt), cancellationToken);
            }
        }
    }

    /// <summary>Along the whole chain: Npgsql's execution strategy wraps a transient error (a deadlock) in an InvalidOperationException.</summary>
    private static bool IsConflict(Exception e) => WriteConflicts.Chain(e).Any(x => x is DbUpdateException or DbException { IsTransient: true });

    /// <summary>The header line, as the upload checked it (BOM removed, blank lines before it skipped).</summary>
    private static async Task<string> ReadHeaderAsync(string path, CancellationToken ct)
    {
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        string? line;
        do { line = await reader.ReadLineAsync(ct); } while (line is not null && line.Trim().Length == 0);
        return line ?? throw new IOException("The file is empty.");
    }

    /// <summary>The rows of one batch: valid devices (each device once), the lines refused and why.</summary>
    private sealed class Batch(Guid tenantId, DateTimeOffset now, OrderedIds ids)
    {
        private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

        public List<StagedDevice> Devices { get; } = [];
        public List<(long Line, string? Hostname, string Reason)> Errors { get; } = [];
        public int Duplicates { get; private set; }
        public int Rows { get; private set; }
        public long LastLine { get; private set; }

        public void Add(SepReader.Row row, DeviceFileColumns columns)
        {
            LastLine = row.LineNumberToExcl - 1;
            if (row.ColCount == 1 && row[0].Span.Trim().IsEmpty) return; // a blank line (the upload did not count it either)
            Rows++;
            var line = row.LineNumberFrom;
            var hostname = Cell(row, columns.Hostname);
            if (row.ColCount != columns.Count)
            {
                Errors.Add((line, hostname, $"The line has {row.ColCount} fields; the header has {columns.Count}."));
                return;
            }
            Device device;
            try
            {
                device = Device.Register(tenantId, hostname, Cell(row, columns.ExternalId), Cell(row, columns.OperatingSystem), Cell(row, columns.Site),
                    Device.ParseTags(Cell(row, columns.Tags)), now);
            }
            catch (InvalidValueException e)
            {
                Errors.Add((line, hostname, e.Message));
                return;
            }
            if (!_keys.Add(device.MatchKey))
            {
                Duplicates++; // the same device twice in one batch: once is enough (across batches the database sees to it)
                return;
            }
            Devices.Add(new StagedDevice(ids.Next(now), ids.Next(now), device.MatchKey, device.Hostname, device.ExternalId, device.OperatingSystem, device.Site, device.Tags));
        }

        private static string? Cell(SepReader.Row row, int index)
        {
            if (index < 0 || index >= row.ColCount) return null;
            var span = row[index].Span.Trim();
            return span.IsEmpty ? null : span.ToString();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device import {ImportId} running from line {Position}")]
    private static partial void LogRunning(ILogger logger, Guid importId, long position);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device import {ImportId} is no longer running from line {Position} (another run moved past it, or it was cancelled); this run stops")]
    private static partial void LogLostRace(ILogger logger, Guid importId, long position);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device import {ImportId} was cancelled; its file is removed")]
    private static partial void LogCancelled(ILogger logger, Guid importId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device import {ImportId} completed: {Rows} rows, {Tasks} tasks created, {Errors} errors")]
    private static partial void LogCompleted(ILogger logger, Guid importId, long rows, long tasks, long errors);

    [LoggerMessage(Level = LogLevel.Error, Message = "Device import {ImportId}: attempt {Runs} in a row failed without committing a batch after line {LinesDone}; the import is marked Failed")]
    private static partial void LogGaveUp(ILogger logger, Exception exception, Guid importId, int runs, long linesDone);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device import {ImportId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid importId, string reason);
}
