using FluentValidation;
using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// Replace a device's fields (PUT); changing its key to one another device of the tenant has is 409. With
/// <paramref name="ExpectedVersion"/> (the page's form, If-Match) only if nobody changed the device since: a replacement made
/// from an older copy would put back every field a colleague had corrected meanwhile.
/// </summary>
[Requires(Permission.WorkRemediation)]
public sealed record UpdateDevice(Guid DeviceId, string? Hostname, string? ExternalId, string? OperatingSystem, string? Site, IReadOnlyList<string>? Tags,
    long? ExpectedVersion = null) : ICommand<DeviceView>, IDeviceRequest, IRetriedOnConflict;

public sealed class UpdateDeviceValidator : AbstractValidator<UpdateDevice>
{
    public UpdateDeviceValidator() => DeviceRules.Apply(this, c => c.Hostname, c => c.ExternalId, c => c.OperatingSystem, c => c.Site, c => c.Tags);
}

public sealed class UpdateDeviceHandler(PortalDbContext db, TimeProvider clock) : ICommandHandler<UpdateDevice, DeviceView>
{
    public async ValueTask<DeviceView> Handle(UpdateDevice command, CancellationToken cancellationToken)
    {
        var device = await db.LoadDeviceAsync(command.DeviceId, cancellationToken);
        device.EnsureVersion(command.ExpectedVersion);
        var key = device.MatchKey;
        if (device.Update(command.Hostname, command.ExternalId, command.OperatingSystem, command.Site, command.Tags, clock.GetUtcNow()))
        {
            if (device.MatchKey != key) await DeviceRules.EnsureKeyIsFreeAsync(db, device.TenantId, device.MatchKey, device.Id, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }
        return DeviceView.From(device);
    }
}
