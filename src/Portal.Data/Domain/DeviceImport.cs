namespace Portal.Domain;

/// <summary>Where an import is; Completed, Failed and Cancelled are final.</summary>
public enum DeviceImportStatus { Queued, Running, Completed, Failed, Cancelled }

/// <summary>
/// A CSV of affected devices being imported into an incident: the uploaded file waits in the import folder and a
/// background job reads it in batches. Each batch commits its devices, its tasks, its error lines and
/// <see cref="LinesDone"/> together, so a job that dies resumes after the last whole batch and a re-run adds nothing twice.
/// </summary>
public sealed class DeviceImport
{
    public const int FileNameMaxLength = 255;
    public const int FailureMaxLength = 1000;

    private DeviceImport() { FileName = ""; StartedByName = ""; }

    public DeviceImport(Guid tenantId, Guid incidentId, string fileName, long sizeBytes, Actor actor, DateTimeOffset now)
    {
        if (actor.Access != TenantAccess.Msp) throw new NotPermittedException("Only the managing MSP imports devices.");
        Id = Guid.CreateVersion7(now);
        TenantId = tenantId;
        IncidentId = incidentId;
        var name = PlainText.WithoutControlCharacters(Path.GetFileName(fileName ?? "")).Trim();
        FileName = name.Length == 0 ? "devices.csv" : PlainText.Shorten(name, FileNameMaxLength);
        SizeBytes = sizeBytes;
        StartedById = actor.UserId;
        StartedByName = actor.DisplayName;
        CreatedAt = now;
        HeartbeatAt = now;
        Status = DeviceImportStatus.Queued;
    }

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid IncidentId { get; private set; }
    public string FileName { get; private set; }
    public long SizeBytes { get; private set; }
    public DeviceImportStatus Status { get; private set; }
    public Guid StartedById { get; private set; }
    public string StartedByName { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>
    /// When a run of the import last showed it was alive (each committed batch), or when it was last handed to the job
    /// runner. An unfinished import whose heartbeat is old has lost its runner (a killed process): the sweep hands it out again.
    /// </summary>
    public DateTimeOffset HeartbeatAt { get; private set; }

    /// <summary>The last line of the file (1 = the header) whose batch has committed; the job resumes after it.</summary>
    public long LinesDone { get; private set; }
    public long RowsRead { get; private set; }
    public long DevicesCreated { get; private set; }
    public long TasksCreated { get; private set; }

    /// <summary>Rows naming a device that already had a task on this incident (a re-import, or a duplicate row).</summary>
    public long RowsUnchanged { get; private set; }
    public long ErrorCount { get; private set; }
    public string? Failure { get; private set; }

    public bool IsFinished => Status is DeviceImportStatus.Completed or DeviceImportStatus.Failed or DeviceImportStatus.Cancelled;

    /// <summary>
    /// Runs of the job begun since the last committed batch (or since the upload). A run that commits a batch sets it back
    /// to 0, so it grows only while runs keep ending without progress: an error that comes back on every attempt, or a
    /// process that dies during each. The job gives up when it reaches its limit instead of being handed out for ever.
    /// </summary>
    public int StalledRuns { get; private set; }

    /// <summary>A run of the job begins: a queued import starts; every run counts towards <see cref="StalledRuns"/>.</summary>
    public void BeginRun(DateTimeOffset now)
    {
        if (IsFinished) throw new DomainRuleException("import_finished", $"The import of {FileName} has finished; start a new one.");
        Status = DeviceImportStatus.Running;
        StartedAt ??= now;
        HeartbeatAt = now;
        StalledRuns++;
    }

    /// <summary>A batch committed: lines up to <paramref name="lastLine"/> are done.</summary>
    public void BatchDone(long lastLine, long rows, long devicesCreated, long tasksCreated, long unchanged, long errors, DateTimeOffset now)
    {
        if (Status != DeviceImportStatus.Running) throw new InvalidOperationException($"The import is {Status}; only a running import takes batches.");
        if (lastLine < LinesDone) throw new InvalidOperationException("Batches go forward through the file.");
        HeartbeatAt = now;
        StalledRuns = 0;
        LinesDone = lastLine;
        RowsRead += rows;
        DevicesCreated += devicesCreated;
        TasksCreated += tasksCreated;
        RowsUnchanged += unchanged;
        ErrorCount += errors;
    }

    public void Complete(DateTimeOffset now)
    {
        if (Status != DeviceImportStatus.Running) throw new InvalidOperationException($"The import is {Status}; only a running import completes.");
        Status = DeviceImportStatus.Completed;
        FinishedAt = now;
    }

    /// <summary>
    /// The MSP stops the import (the wrong file, the wrong incident): nothing after the batch being written is imported, and
    /// what committed before stays. Final, like a finished import; a job still running it stops at its next batch.
    /// </summary>
    public void Cancel(Actor actor, DateTimeOffset now)
    {
        if (actor.Access != TenantAccess.Msp) throw new NotPermittedException("Only the managing MSP cancels an import.");
        if (IsFinished) throw new DomainRuleException("import_finished", $"The import of {FileName} has already {(Status == DeviceImportStatus.Completed ? "completed" : Status == DeviceImportStatus.Failed ? "failed" : "been cancelled")}: there is nothing to cancel.");
        Status = DeviceImportStatus.Cancelled;
        FinishedAt = now;
    }

    public void Fail(string reason, DateTimeOffset now)
    {
        if (IsFinished) throw new InvalidOperationException($"The import is already {Status}.");
        Status = DeviceImportStatus.Failed;
        Failure = reason.Length > FailureMaxLength ? reason[..FailureMaxLength] : reason;
        FinishedAt = now;
    }
}
