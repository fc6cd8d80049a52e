using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>Register a device in a customer tenant; its MatchKey (external id, else hostname) must be new in the tenant.</summary>
[Requires(Permission.WorkRemediation)]
public sealed record CreateDevice(Guid TenantId, string? Hostname, string? ExternalId, string? OperatingSystem, string? Site, IReadOnlyList<string>? Tags)
    : ICommand<DeviceView>, ITenantRequest, IIdempotentCommand;

/// <summary>The field limits of a device, shared by create and update.</summary>
internal static class DeviceRules
{
    public static void Apply<T>(AbstractValidator<T> v, Func<T, string?> hostname, Func<T, string?> externalId, Func<T, string?> os, Func<T, string?> site,
        Func<T, IReadOnlyList<string>?> tags)
    {
        v.RuleFor(x => hostname(x)).NotEmpty().WithMessage("The hostname is required.")
            .MaximumLength(Device.HostnameMaxLength).WithMessage($"The hostname may be at most {Device.HostnameMaxLength} characters.")
            .IsPlainText("hostname", multiline: false).OverridePropertyName("hostname");
        v.RuleFor(x => externalId(x)).MaximumLength(Device.ExternalIdMaxLength)
            .WithMessage($"The external id may be at most {Device.ExternalIdMaxLength} characters.").IsPlainText("external id", multiline: false).OverridePropertyName("externalId");
        v.RuleFor(x => os(x)).MaximumLength(Device.OperatingSystemMaxLength)
            .WithMessage($"The operating system may be at most {Device.OperatingSystemMaxLength} characters.").IsPlainText("operating system", multiline: false)
            .OverridePropertyName("operatingSystem");
        v.RuleFor(x => site(x)).MaximumLength(Device.SiteMaxLength).WithMessage($"The site may be at most {Device.SiteMaxLength} characters.")
            .IsPlainText("site", multiline: false).OverridePropertyName("site");
        v.RuleForEach(x => tags(x)).Cascade(CascadeMode.Stop).NotEmpty().WithMessage("A tag cannot be empty or null.").Must(t => !t.Contains(',')).WithMessage("A tag cannot contain a comma.")
            .Must(t => PlainText.IsPlain(t.Trim(), multiline: false)).WithMessage(PlainText.Refusal("tag")).OverridePropertyName("tags");
    }

    /// <summary>409 when another device of the tenant already has this key.</summary>
    public static async Task EnsureKeyIsFreeAsync(PortalDbContext db, Guid tenantId, string matchKey, Guid? except, CancellationToken ct)
    {
        if (await db.Devices.AnyAsync(d => d.TenantId == tenantId && d.MatchKey == matchKey && d.Id != except, ct))
        {
            var what = matchKey.StartsWith("ext:", StringComparison.Ordinal) ? $"external id '{matchKey[4..]}'" : $"hostname '{matchKey[5..]}' and no external id";
            throw new DomainRuleException("duplicate_device", $"The tenant already has a device with {what}.");
        }
    }
}

public sealed class CreateDeviceValidator : AbstractValidator<CreateDevice>
{
    public CreateDeviceValidator() => DeviceRules.Apply(this, c => c.Hostname, c => c.ExternalId, c => c.OperatingSystem, c => c.Site, c => c.Tags);
}

public sealed class CreateDeviceHandler(PortalDbContext db, TimeProvider clock) : ICommandHandler<CreateDevice, DeviceView>
{
    public async ValueTask<DeviceView> Handle(CreateDevice command, CancellationToken cancellationToken)
    {
        var device = Device.Register(command.TenantId, command.Hostname, command.ExternalId, command.OperatingSystem, command.Site, command.Tags, clock.GetUtcNow());
        await DeviceRules.EnsureKeyIsFreeAsync(db, device.TenantId, device.MatchKey, null, cancellationToken);
        db.Devices.Add(device);
        await db.SaveChangesAsync(cancellationToken);
        return DeviceView.From(device);
    }
}
