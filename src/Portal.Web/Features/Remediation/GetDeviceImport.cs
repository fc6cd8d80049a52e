using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>An import as the API shows it: where it is in the file and what it has done so far.</summary>
public sealed record DeviceImportView(
    Guid Id, Guid IncidentId, Guid TenantId, string FileName, long SizeBytes, DeviceImportStatus Status, string StartedBy,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    long LinesDone, long RowsRead, long DevicesCreated, long TasksCreated, long RowsUnchanged, long ErrorCount, string? Failure)
{
    public string Url => $"/api/v1/device-imports/{Id}";
    public string ErrorsUrl => $"/api/v1/device-imports/{Id}/errors.csv";

    public static DeviceImportView From(DeviceImport i) =>
        new(i.Id, i.IncidentId, i.TenantId, i.FileName, i.SizeBytes, i.Status, i.StartedByName, i.CreatedAt, i.StartedAt, i.FinishedAt,
            i.LinesDone, i.RowsRead, i.DevicesCreated, i.TasksCreated, i.RowsUnchanged, i.ErrorCount, i.Failure);
}

/// <summary>
/// One import. Imports are MSP work: a user without the permission anywhere (a customer) is refused (403); an import of a
/// tenant the user does not manage answers 404 like a missing one (the query filter hides it).
/// </summary>
[Requires(Permission.ImportDevices)]
public sealed record GetDeviceImport(Guid ImportId) : IQuery<DeviceImportView>;

public sealed class GetDeviceImportHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<GetDeviceImport, DeviceImportView>
{
    public async ValueTask<DeviceImportView> Handle(GetDeviceImport query, CancellationToken cancellationToken) =>
        DeviceImportView.From(await LoadAsync(db, currentUser, query.ImportId, cancellationToken));

    /// <summary>Through the filtered context, and only where the user may import (else 404, never a hint that it exists).</summary>
    internal static async Task<DeviceImport> LoadAsync(PortalDbContext db, CurrentUser currentUser, Guid importId, CancellationToken ct)
    {
        var import = await db.DeviceImports.AsNoTracking().SingleOrDefaultAsync(i => i.Id == importId, ct);
        if (import is null || !currentUser.Required.Has(Permission.ImportDevices, import.TenantId)) throw new NotFoundException("device import", importId);
        return import;
    }
}
