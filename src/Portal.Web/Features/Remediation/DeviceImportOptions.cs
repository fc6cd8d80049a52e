namespace Portal.Features.Remediation;

/// <summary>
/// <c>Remediation:Import</c>: the limits an upload must stay within, where files wait for the job, and how the job
/// writes. Several instances need <see cref="Folder"/> on a volume they share (the instance that takes the upload is
/// not necessarily the one whose worker runs the job).
/// </summary>
public sealed class DeviceImportOptions
{
    public const string Section = "Remediation:Import";

    /// <summary>Largest upload in bytes (the body as sent, multipart framing included); larger is 413 before it is read.</summary>
    public long MaxBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>Most data rows a file may have (the header not counted); more is 413.</summary>
    public int MaxRows { get; set; } = 1_000_000;

    /// <summary>Most columns the header may name; more is 400.</summary>
    public int MaxColumns { get; set; } = 50;

    /// <summary>Longest record in bytes (an unclosed quote would otherwise swallow the rest of the file into one field).</summary>
    public int MaxRecordBytes { get; set; } = 64 * 1024;

    /// <summary>Where uploaded files wait for their job; relative to the content root. Shared by all instances.</summary>
    public string Folder { get; set; } = "App_Data/imports";

    /// <summary>
    /// Rows per transaction: a process killed mid-import leaves whole batches only. 2,000 rather than 5,000: the same speed,
    /// and a 1,000,000-row import peaked about 25 MB lower (three batches are in memory at once: read ahead, queued, written).
    /// </summary>
    public int BatchSize { get; set; } = 2_000;

    /// <summary>Rest between batches, leaving the database to interactive users (0 = none).</summary>
    public TimeSpan PauseBetweenBatches { get; set; } = TimeSpan.Zero;

    /// <summary>An unfinished import without a heartbeat for this long has lost its runner; the sweep hands it out again.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Runs in a row that may end without committing a batch (an error on every attempt, a process dying during each) before the
    /// import is marked Failed rather than tried again: Hangfire's retries and the sweep's hand-outs would otherwise go on for
    /// ever while the import says Running. Five: about four minutes of Hangfire's retries and the sweep, enough to ride out a
    /// restart or a database fail-over.
    /// </summary>
    public int MaxStalledRuns { get; set; } = 5;

    /// <summary>When the sweep runs (Hangfire cron; the default is every minute).</summary>
    public string SweepCron { get; set; } = "* * * * *";

    public string FolderPath(string contentRoot) => Path.IsPathRooted(Folder) ? Folder : Path.Combine(contentRoot, Folder);

    public string FileOf(string contentRoot, Guid importId) => Path.Combine(FolderPath(contentRoot), $"{importId:N}.csv");
}
