using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

[Requires(Permission.WorkRemediation)]
public sealed record GetDevice(Guid DeviceId) : IQuery<DeviceView>, IDeviceRequest;

public sealed class GetDeviceHandler(PortalDbContext db) : IQueryHandler<GetDevice, DeviceView>
{
    public async ValueTask<DeviceView> Handle(GetDevice query, CancellationToken cancellationToken) =>
        DeviceView.From(await db.LoadDeviceAsync(query.DeviceId, cancellationToken));
}
