using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// The MSP stops an import (the wrong file, the wrong incident): it becomes Cancelled, its job stops before its next batch, and
/// what committed before stays, said on the incident's timeline for the MSP. Asking again for a cancelled import answers it as it
/// is (a retried request); a completed or failed one is 409 <c>import_finished</c>. Another tenant's import is 404, as in
/// <see cref="GetDeviceImport"/>.
/// </summary>
[Requires(Permission.ImportDevices)]
public sealed record CancelDeviceImport(Guid ImportId) : ICommand<DeviceImportView>;

public sealed class CancelDeviceImportHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<CancelDeviceImport, DeviceImportView>
{
    public async ValueTask<DeviceImportView> Handle(CancelDeviceImport command, CancellationToken cancellationToken)
    {
        var seen = await GetDeviceImportHandler.LoadAsync(db, currentUser, command.ImportId, cancellationToken);
        var now = clock.GetUtcNow();
        // Hold the import's row for this transaction, as each batch of its job does (DeviceImportJob.ClaimAsync): a batch being
        // written is waited for, and an import that finished meanwhile is read as finished instead of being overwritten.
        await db.DeviceImports
            .Where(i => i.Id == seen.Id && i.TenantId == seen.TenantId && (i.Status == DeviceImportStatus.Queued || i.Status == DeviceImportStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.HeartbeatAt, now), cancellationToken);
        var import = await db.DeviceImports.SingleAsync(i => i.Id == seen.Id && i.TenantId == seen.TenantId, cancellationToken);
        if (import.Status == DeviceImportStatus.Cancelled) return DeviceImportView.From(import);

        var actor = currentUser.Required.ActorIn(import.TenantId);
        import.Cancel(actor, now);
        var incident = await db.Incidents.SingleAsync(i => i.Id == import.IncidentId && i.TenantId == import.TenantId, cancellationToken);
        if (incident.Status != IncidentStatus.Closed)
        {
            incident.AddNote(string.Create(CultureInfo.InvariantCulture,
                $"Cancelled the import of {import.FileName} after {import.RowsRead:N0} rows: the {import.TasksCreated:N0} {(import.TasksCreated == 1 ? "task it created stays" : "tasks it created stay")}, the rest of the file is not read."),
                NoteVisibility.Internal, actor, now);
        }
        await db.SaveChangesAsync(cancellationToken);
        return DeviceImportView.From(import);
    }
}
