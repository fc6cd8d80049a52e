using Hangfire;
using Mediator;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portal.Domain;

namespace Portal.Features.Remediation;

/// <summary>
/// Receiving a CSV of affected devices, the same for the API and the remediation page: who may import into the incident is
/// settled before a byte of the body is read (404 / 403 / 409), the body is checked and stored while it streams (limits,
/// UTF-8, header: <see cref="DeviceImportFile"/>), the import commits, and its job is enqueued after the commit (if the
/// process dies in between, the sweep finds the queued import). A refusal is a <see cref="DeviceFileRefusedException"/>.
/// </summary>
public sealed partial class DeviceImportUpload(
    IMediator mediator, IBackgroundJobClient jobs, IOptions<DeviceImportOptions> options, IWebHostEnvironment environment, ILogger<DeviceImportUpload> logger)
{
    /// <summary>The request body itself: multipart/form-data with the field <c>file</c>, or the CSV as text/csv (name in <c>?fileName=</c>).</summary>
    public async Task<DeviceImportView> ReceiveAsync(Guid incidentId, HttpContext http, CancellationToken ct)
    {
        await mediator.Send(new PrepareDeviceImport(incidentId), ct);
        var limits = options.Value;
        var request = http.Request;
        if (request.ContentLength > limits.MaxBytes) throw DeviceImportFile.TooLarge(limits.MaxBytes);
        // The request's body limit is the import's (routing sets it from the route's metadata; set here too, for a caller that
        // reaches this without that route); the stream count refuses past it as well.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limits.MaxBytes;

        StagedDeviceFile staged;
        try
        {
            staged = await ReceiveBodyAsync(request, Folder, limits, ct);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw DeviceImportFile.TooLarge(limits.MaxBytes);
        }
        return await StartAsync(incidentId, staged, ct);
    }

    /// <summary>A file the framework already received (a page's form post without script): checked and stored the same way.</summary>
    public async Task<DeviceImportView> ReceiveAsync(Guid incidentId, IFormFile file, CancellationToken ct)
    {
        await mediator.Send(new PrepareDeviceImport(incidentId), ct);
        var limits = options.Value;
        if (file.Length > limits.MaxBytes) throw DeviceImportFile.TooLarge(limits.MaxBytes);
        await using var body = file.OpenReadStream();
        var staged = await DeviceImportFile.StageAsync(body, Folder, string.IsNullOrWhiteSpace(file.FileName) ? "devices.csv" : file.FileName, limits, ct);
        return await StartAsync(incidentId, staged, ct);
    }

    private string Folder => options.Value.FolderPath(environment.ContentRootPath);

    private async Task<DeviceImportView> StartAsync(Guid incidentId, StagedDeviceFile staged, CancellationToken ct)
    {
        DeviceImportView import;
        try
        {
            import = await mediator.Send(new ImportDevices(incidentId, staged), ct);
        }
        finally
        {
            if (File.Exists(staged.Path)) File.Delete(staged.Path); // moved by the command unless it failed
        }
        try
        {
            DeviceImportJobs.Enqueue(jobs, import.Id);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The import is committed: answering 500 would say it was not. The sweep hands it out once it is stale.
            LogEnqueueFailed(logger, e, import.Id);
        }
        return import;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device import {ImportId} is committed but its job could not be enqueued; the sweep will hand it out")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, Guid importId);

    /// <summary>RFC 2046: a boundary is 1 to 70 characters (the framework's reader refuses longer ones with an exception).</summary>
    private const int MaxBoundaryLength = 70;

    private static async Task<StagedDeviceFile> ReceiveBodyAsync(HttpRequest request, string folder, DeviceImportOptions limits, CancellationToken ct)
    {
        var contentType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed : null;
        if (contentType?.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
        {
            var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
            if (string.IsNullOrWhiteSpace(boundary)) throw DeviceFileColumns.Refused("missing_file", "The multipart body has no boundary.");
            if (boundary.Length > MaxBoundaryLength)
                throw DeviceFileColumns.Refused("malformed_upload", $"The multipart boundary is {boundary.Length} characters long, and RFC 2046 allows {MaxBoundaryLength}. Nothing was imported: send the file again with a shorter one.");
            var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 };
            try
            {
                while (await reader.ReadNextSectionAsync(ct) is { } section)
                {
                    if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                        || !disposition.DispositionType.Equals("form-data") || disposition.Name.Value?.Trim('"') != "file") continue;
                    var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    return await DeviceImportFile.StageAsync(section.Body, folder, name ?? "devices.csv", limits, ct);
                }
            }
            catch (Exception e) when (e is (IOException or InvalidDataException) and not BadHttpRequestException && !ct.IsCancellationRequested)
            {
                // The body ends before its closing boundary (a dropped connection, a proxy that cut it) or a part's headers are not
                // headers: nothing was imported, and the client can send the file again.
                throw DeviceFileColumns.Refused("malformed_upload",
                    $"The multipart body could not be read ({e.Message.TrimEnd('.')}). Nothing was imported: send the file again, as the form field 'file'.");
            }
            throw DeviceFileColumns.Refused("missing_file", "The multipart body has no part named 'file'. Send the CSV as the form field 'file'.");
        }
        if (contentType is null || contentType.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase) || contentType.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            var name = request.Query["fileName"].ToString();
            return await DeviceImportFile.StageAsync(request.Body, folder, name.Length > 0 ? name : "devices.csv", limits, ct);
        }
        throw new DeviceFileRefusedException(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Send a CSV file",
            $"Content-Type {contentType.MediaType} is not accepted. Send multipart/form-data with the field 'file', or the CSV itself as text/csv.");
    }
}
