using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>The lines of an import that were not taken, and why, in line order: the report the user downloads as CSV.</summary>
[Requires(Permission.ImportDevices)]
public sealed record GetDeviceImportErrors(Guid ImportId) : IQuery<DeviceImportErrorReport>;

public sealed record DeviceImportErrorLine(long Line, string? Hostname, string Reason);

public sealed class GetDeviceImportErrorsHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<GetDeviceImportErrors, DeviceImportErrorReport>
{
    public async ValueTask<DeviceImportErrorReport> Handle(GetDeviceImportErrors query, CancellationToken cancellationToken)
    {
        var import = await GetDeviceImportHandler.LoadAsync(db, currentUser, query.ImportId, cancellationToken);
        var lines = db.DeviceImportErrors.AsNoTracking()
            .Where(e => e.ImportId == import.Id && e.TenantId == import.TenantId)
            .OrderBy(e => e.Line).ThenBy(e => e.Id)
            .Select(e => new DeviceImportErrorLine(e.Line, e.Hostname, e.Reason))
            .AsAsyncEnumerable();
        return new DeviceImportErrorReport(DeviceImportView.From(import), lines);
    }
}
