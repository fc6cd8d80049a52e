using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>The imports of an incident, newest first.</summary>
[Requires(Permission.ImportDevices)]
public sealed record ListDeviceImports(Guid IncidentId) : IQuery<IReadOnlyList<DeviceImportView>>, IIncidentRequest;

public sealed class ListDeviceImportsHandler(PortalDbContext db) : IQueryHandler<ListDeviceImports, IReadOnlyList<DeviceImportView>>
{
    public async ValueTask<IReadOnlyList<DeviceImportView>> Handle(ListDeviceImports query, CancellationToken cancellationToken)
    {
        var imports = await db.DeviceImports.AsNoTracking().Where(i => i.IncidentId == query.IncidentId)
            .OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.Id).Take(200).ToListAsync(cancellationToken);
        return [.. imports.Select(DeviceImportView.From)];
    }
}
