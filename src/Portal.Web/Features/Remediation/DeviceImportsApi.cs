using Mediator;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portal.Domain;
using Portal.Infrastructure.Http;
using Portal.Infrastructure.RateLimiting;

namespace Portal.Features.Remediation;

/// <summary>
/// CSV import of affected devices: upload (202 + Location of the import), the import, an incident's imports, the error report.
/// The upload is checked and stored while it streams (<see cref="DeviceImportFile"/>); the job does the rest.
/// </summary>
public static class DeviceImportsApi
{
    public static void AddDeviceImports(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DeviceImportOptions>().Bind(builder.Configuration.GetSection(DeviceImportOptions.Section))
            .Validate(o => o.MaxBytes > 0 && o.MaxRows > 0 && o.MaxColumns > 0 && o.BatchSize > 0 && o.MaxRecordBytes > 0, "Remediation:Import limits must be positive.")
            .ValidateOnStart();
        // Nothing reads an upload through the form binder, but a form read elsewhere must not accept more than the import does.
        var maxBytes = builder.Configuration.GetValue($"{DeviceImportOptions.Section}:MaxBytes", new DeviceImportOptions().MaxBytes);
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = Math.Min(o.MultipartBodyLengthLimit, maxBytes));
        // The remediation page takes the same upload (a form post without script): its body may be as large as the import's.
        builder.Services.Configure<RazorPagesOptions>(o => o.Conventions.AddPageApplicationModelConvention("/Remediation/Tasks",
            page => page.EndpointMetadata.Add(new RequestBodyLimits.BodySizeMetadata(maxBytes))));
        builder.Services.AddScoped<DeviceImportUpload>();
        builder.Services.AddScoped<DeviceImportJob>();
        builder.Services.AddScoped<DeviceImportSweep>();
        builder.Services.AddHostedService<DeviceImportJobs.Startup>();
    }

    public static void MapDeviceImportsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Device imports").RequireAuthorization();

        api.MapPost("/incidents/{id:guid}/device-imports", UploadAsync)
            .WithName("ImportDevices")
            .WithSummary("Upload a CSV of affected devices (multipart field 'file', or a text/csv body); one task per device.")
            .WithDescription("Columns (header, case-insensitive, ',' or ';'): hostname (required), external_id (or externalid, id), os, site, tags. " +
                "UTF-8 with or without BOM; quoted fields. Answers 202 with the import; GET its Location to follow it. Refusals carry a 'code': " +
                "413 file_too_large, too_many_rows; 400 empty_file, no_rows, invalid_utf8, nul_byte, too_many_columns, missing_hostname_column, " +
                "duplicate_column, record_too_long, unclosed_quote, missing_file, malformed_upload; 415 unsupported_media_type; 409 incident_closed.")
            // No Accepts metadata: it would make routing answer 415 itself, without a problem code, before the checks here.
            .Produces<DeviceImportView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireTighterRateLimit(RateLimitingSetup.UploadsBudget)
            .DisableAntiforgery()
            .WithBodyLimit(app.ServiceProvider.GetRequiredService<IOptions<DeviceImportOptions>>().Value.MaxBytes);

        api.MapGet("/incidents/{id:guid}/device-imports", async (Guid id, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListDeviceImports(id), ct)))
            .WithName("ListDeviceImports").WithSummary("The incident's device imports, newest first (MSP).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/device-imports/{importId:guid}", async (Guid importId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetDeviceImport(importId), ct)))
            .WithName("GetDeviceImport").WithSummary("A device import: status, lines done, counts, errors (MSP).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/device-imports/{importId:guid}/cancel", async (Guid importId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new CancelDeviceImport(importId), ct)))
            .WithName("CancelDeviceImport")
            .WithSummary("Stop an import: no line after the batch being written is imported; what committed before stays (MSP).")
            .WithDescription("Answers the import, now Cancelled (again for an import already cancelled); 409 import_finished when it has completed or failed.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/device-imports/{importId:guid}/errors.csv", async (Guid importId, IMediator mediator, HttpContext http, CancellationToken ct) =>
        {
            var report = await mediator.Send(new GetDeviceImportErrors(importId), ct);
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = report.DownloadName }.ToString();
            await report.WriteCsvAsync(http.Response.Body, ct);
        })
            .WithName("GetDeviceImportErrors").WithSummary("The lines not imported and why, as CSV (line,hostname,reason; formula-safe cells).")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Accepted<DeviceImportView>, ProblemHttpResult>> UploadAsync(
        Guid id, HttpContext http, DeviceImportUpload upload, CancellationToken ct)
    {
        try
        {
            var import = await upload.ReceiveAsync(id, http, ct);
            return TypedResults.Accepted(import.Url, import);
        }
        catch (DeviceFileRefusedException refused)
        {
            return Refuse(refused);
        }
    }

    private static ProblemHttpResult Refuse(DeviceFileRefusedException refused) =>
        TypedResults.Problem(statusCode: refused.Status, title: refused.Title, detail: refused.Message,
            extensions: new Dictionary<string, object?> { ["code"] = refused.Code });
}
