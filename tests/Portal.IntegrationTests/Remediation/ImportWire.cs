using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Remediation;

/// <summary>A device import as a client reads it (the wire contract, independent of the product's records).</summary>
public sealed record ImportDto(Guid Id, Guid IncidentId, Guid TenantId, string FileName, long SizeBytes, string Status, string StartedBy,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, long LinesDone, long RowsRead, long DevicesCreated,
    long TasksCreated, long RowsUnchanged, long ErrorCount, string? Failure, string Url, string ErrorsUrl)
{
    public bool IsFinished => Status is "Completed" or "Failed" or "Cancelled";
}

/// <summary>The import API from a client's side.</summary>
public static class ImportApi
{
    public static Task<HttpResponseMessage> UploadCsvAsync(this HttpClient client, Guid incidentId, string csv, string fileName = "devices.csv") =>
        client.UploadBytesAsync(incidentId, Encoding.UTF8.GetBytes(csv), fileName);

    /// <summary>multipart/form-data with the field 'file', as a browser form sends it.</summary>
    public static Task<HttpResponseMessage> UploadBytesAsync(this HttpClient client, Guid incidentId, byte[] bytes, string fileName = "devices.csv")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", fileName);
        return client.PostAsync($"/api/v1/incidents/{incidentId}/device-imports", form);
    }

    /// <summary>The CSV itself as the body (text/csv), as a script sends it.</summary>
    public static Task<HttpResponseMessage> UploadRawAsync(this HttpClient client, Guid incidentId, HttpContent content) =>
        client.PostAsync($"/api/v1/incidents/{incidentId}/device-imports", content);

    public static async Task<ImportDto> StartImportAsync(this HttpClient client, Guid incidentId, string csv, string fileName = "devices.csv")
    {
        using var response = await client.UploadCsvAsync(incidentId, csv, fileName);
        var import = await response.ReadAsync<ImportDto>(HttpStatusCode.Accepted);
        response.Headers.Location!.ToString().ShouldBe($"/api/v1/device-imports/{import.Id}");
        import.Status.ShouldBe("Queued");
        return import;
    }

    public static async Task<ImportDto> GetImportAsync(this HttpClient client, Guid importId)
    {
        using var response = await client.GetAsync($"/api/v1/device-imports/{importId}");
        return await response.ReadAsync<ImportDto>();
    }

    /// <summary>Polls the import until it has finished (Completed or Failed).</summary>
    public static async Task<ImportDto> WaitForImportAsync(this HttpClient client, Guid importId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var import = await client.GetImportAsync(importId);
            if (import.IsFinished) return import;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Import {importId} did not finish in time: {import}");
            await Task.Delay(100);
        }
    }

    public static async Task<ImportDto> ImportAsync(this HttpClient client, Guid incidentId, string csv, string fileName = "devices.csv")
    {
        var started = await client.StartImportAsync(incidentId, csv, fileName);
        return await client.WaitForImportAsync(started.Id);
    }

    /// <summary>The error report, parsed (quoted cells with doubled quotes, as RFC 4180).</summary>
    public static async Task<(string Raw, List<string[]> Rows)> ErrorReportAsync(this HttpClient client, Guid importId)
    {
        using var response = await client.GetAsync($"/api/v1/device-imports/{importId}/errors.csv");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var raw = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()); // keeps the BOM, unlike ReadAsStringAsync
        return (raw, ParseCsv(raw.TrimStart('\uFEFF')));
    }

    public static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(cell.ToString()); cell.Clear(); }
            else if (c == '\r') { }
            else if (c == '\n') { row.Add(cell.ToString()); cell.Clear(); rows.Add([.. row]); row.Clear(); }
            else cell.Append(c);
        }
        if (cell.Length > 0 || row.Count > 0) { row.Add(cell.ToString()); rows.Add([.. row]); }
        return rows;
    }
}

/// <summary>
/// Portal with small import limits and batches (so a test file crosses several batches), its own import folder; with
/// <paramref name="pauseBetweenBatches"/>, a rest after each batch, so a test can act while an import runs.
/// </summary>
public abstract class ImportApp(DbProvider provider, PostgresServer? postgres, TimeSpan? pauseBetweenBatches = null) : PortalApp(provider, postgres)
{
    public const int MaxRows = 3_000;
    public const long MaxBytes = 512 * 1024;
    public const int BatchSize = 40;

    public string ImportFolder { get; } = TempFiles.NewPath("portal-imports", extension: "");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Remediation:Import:Folder", ImportFolder);
        builder.UseSetting("Remediation:Import:MaxRows", MaxRows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Remediation:Import:MaxBytes", MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Remediation:Import:BatchSize", BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // These tests upload dozens of files a minute as one user, well above the per-user upload limit meant for people and scripts.
        builder.UseSetting("RateLimits:Uploads:Burst", "1000");
        builder.UseSetting("RateLimits:Uploads:PerMinute", "1000");
        if (pauseBetweenBatches is { } pause) builder.UseSetting("Remediation:Import:PauseBetweenBatches", pause.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
    }

    public string[] FilesInImportFolder() => Directory.Exists(ImportFolder) ? Directory.GetFiles(ImportFolder) : [];

    public Task<(int Devices, int Tasks, int TasksDistinctDevices, int Pending, int ProgressTotal)> CountsAsync(Guid tenantId, Guid incidentId, string keyPrefix) => QueryAsync(async db =>
    {
        var devices = await db.Devices.CountAsync(d => d.TenantId == tenantId && d.MatchKey.StartsWith(keyPrefix));
        var tasks = db.RemediationTasks.Where(t => t.IncidentId == incidentId);
        var count = await tasks.CountAsync();
        var distinct = await tasks.Select(t => t.DeviceId).Distinct().CountAsync();
        var pending = await tasks.CountAsync(t => t.State == Portal.Domain.RemediationState.Pending);
        var progress = await db.RemediationProgress.AsNoTracking().SingleOrDefaultAsync(p => p.IncidentId == incidentId);
        return (devices, count, distinct, progress?.Pending ?? 0, progress is null ? 0 : progress.Pending + progress.InProgress + progress.Blocked + progress.Done + progress.Failed + progress.NotApplicable);
    });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TempFiles.DeleteFolder(ImportFolder);
        GC.SuppressFinalize(this);
    }
}

public sealed class ImportSqliteApp() : ImportApp(DbProvider.Sqlite, null);

public sealed class ImportPostgresApp(PostgresServer postgres) : ImportApp(DbProvider.PostgreSql, postgres);

/// <summary>Batches 200 ms apart: an import long enough to close its incident, or cancel it, while it runs.</summary>
public sealed class SlowImportApp() : ImportApp(DbProvider.Sqlite, null, TimeSpan.FromMilliseconds(200));

public sealed class SlowImportPostgresApp(PostgresServer postgres) : ImportApp(DbProvider.PostgreSql, postgres, TimeSpan.FromMilliseconds(200));
