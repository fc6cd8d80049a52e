using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// Asked before a byte of an upload is read: the incident must be visible (else 404), the user may import devices into
/// its tenant (else 403), and it must not be closed (409). Nothing is written.
/// </summary>
[Requires(Permission.ImportDevices)]
public sealed record PrepareDeviceImport(Guid IncidentId) : IQuery<Unit>, IIncidentRequest;

public sealed class PrepareDeviceImportHandler(PortalDbContext db) : IQueryHandler<PrepareDeviceImport, Unit>
{
    public async ValueTask<Unit> Handle(PrepareDeviceImport query, CancellationToken cancellationToken)
    {
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.Id == query.IncidentId, cancellationToken)
            ?? throw new NotFoundException("incident", query.IncidentId);
        ImportDevicesHandler.EnsureOpen(incident);
        return Unit.Value;
    }
}

/// <summary>
/// A checked upload becomes a queued import of its incident: the file moves to its final name in the import folder and the
/// <see cref="DeviceImport"/> row commits. The caller enqueues the job after the commit (a crash in between is healed by
/// the sweep, which finds the queued row).
/// </summary>
[Requires(Permission.ImportDevices)]
public sealed record ImportDevices(Guid IncidentId, StagedDeviceFile File) : ICommand<DeviceImportView>, IIncidentRequest;

public sealed class ImportDevicesHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock, IOptions<DeviceImportOptions> options, IWebHostEnvironment environment)
    : ICommandHandler<ImportDevices, DeviceImportView>
{
    public async ValueTask<DeviceImportView> Handle(ImportDevices command, CancellationToken cancellationToken)
    {
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.Id == command.IncidentId, cancellationToken)
            ?? throw new NotFoundException("incident", command.IncidentId);
        EnsureOpen(incident);
        var actor = currentUser.Required.ActorIn(incident.TenantId);
        var import = new DeviceImport(incident.TenantId, incident.Id, command.File.FileName, command.File.Bytes, actor, clock.GetUtcNow());
        db.DeviceImports.Add(import);

        var target = options.Value.FileOf(environment.ContentRootPath, import.Id);
        File.Move(command.File.Path, target);
        // Dated now, not when its upload began: the sweep takes a file without an import row, and this old, for one whose commit never came.
        File.SetLastWriteTimeUtc(target, clock.GetUtcNow().UtcDateTime);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            File.Delete(target);
            throw;
        }
        return DeviceImportView.From(import);
    }

    internal static void EnsureOpen(Incident incident)
    {
        incident.RequireNotClosed("no devices are imported into it");
    }
}
