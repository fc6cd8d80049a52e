using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// A tenant's devices, searched by hostname or external id prefix, operating system, site and tag, in MatchKey order
/// (the tenant's unique index) with keyset paging: each page seeks past the last key, so page 500 costs what page 1
/// costs, and nothing counts the tenant's 50,000 devices.
/// </summary>
[Requires(Permission.WorkRemediation)]
public sealed record ListDevices(Guid TenantId, string? Text = null, string? OperatingSystem = null, string? Site = null, string? Tag = null,
    string? Cursor = null, int Limit = 100) : IQuery<KeysetPage<DeviceView>>, ITenantRequest
{
    public const string CursorKind = "device";
}

public sealed class ListDevicesValidator : AbstractValidator<ListDevices>
{
    public ListDevicesValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, KeysetCursor.MaxLimit).WithMessage($"The limit must be between 1 and {KeysetCursor.MaxLimit}.").OverridePropertyName("limit");
        RuleFor(q => q.Text).MaximumLength(Device.HostnameMaxLength).WithMessage($"Search text may be at most {Device.HostnameMaxLength} characters.").OverridePropertyName("q");
        RuleFor(q => q.OperatingSystem).MaximumLength(Device.OperatingSystemMaxLength).OverridePropertyName("os");
        RuleFor(q => q.Site).MaximumLength(Device.SiteMaxLength).OverridePropertyName("site");
        RuleFor(q => q.Tag).MaximumLength(Device.TagsMaxLength).Must(t => t is null || !t.Contains(',')).WithMessage("Filter by one tag (no commas).").OverridePropertyName("tag");
        RuleFor(q => q.Cursor).Must(c => KeysetCursor.IsValid(ListDevices.CursorKind, c))
            .WithMessage("The cursor is not one this list gave out; send the 'next' value of the previous page, or none for the first page.").OverridePropertyName("cursor");
    }
}

public sealed class ListDevicesHandler(PortalDbContext db) : IQueryHandler<ListDevices, KeysetPage<DeviceView>>
{
    public async ValueTask<KeysetPage<DeviceView>> Handle(ListDevices query, CancellationToken cancellationToken)
    {
        var devices = db.Devices.AsNoTracking().Where(d => d.TenantId == query.TenantId);
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var text = query.Text.Trim();
            var lower = text.ToLowerInvariant();
            devices = devices.Where(d => d.Hostname.ToLower().StartsWith(lower) || (d.ExternalId != null && d.ExternalId.StartsWith(text)));
        }
        if (!string.IsNullOrWhiteSpace(query.OperatingSystem))
        {
            var os = query.OperatingSystem.Trim().ToLowerInvariant();
            devices = devices.Where(d => d.OperatingSystem != null && d.OperatingSystem.ToLower() == os);
        }
        if (!string.IsNullOrWhiteSpace(query.Site))
        {
            var site = query.Site.Trim().ToLowerInvariant();
            devices = devices.Where(d => d.Site != null && d.Site.ToLower() == site);
        }
        if (!string.IsNullOrWhiteSpace(query.Tag))
        {
            var tag = "," + query.Tag.Trim().ToLowerInvariant() + ",";
            devices = devices.Where(d => d.Tags.Contains(tag));
        }
        if (KeysetCursor.Decode(ListDevices.CursorKind, query.Cursor) is { } after)
        {
            devices = devices.Where(d => string.Compare(d.MatchKey, after) > 0);
        }

        var rows = await devices.OrderBy(d => d.MatchKey).Take(query.Limit + 1).ToListAsync(cancellationToken);
        var page = rows.Take(query.Limit).ToList();
        var next = rows.Count > query.Limit ? KeysetCursor.Encode(ListDevices.CursorKind, page[^1].MatchKey) : null;
        return new KeysetPage<DeviceView>([.. page.Select(DeviceView.From)], next);
    }
}
