using FluentValidation;
using Portal.Domain;

namespace Portal.Features.Advisories;

public static class FanOutRules
{
    /// <summary>More than every tenant an MSP could sensibly manage, few enough to keep one request bounded.</summary>
    public const int MaxTenants = 5000;

    public static void Apply<T>(AbstractValidator<T> v, Func<T, IReadOnlyList<Guid>?> tenantIds, Func<T, DeviceFilter?> filter)
    {
        v.RuleFor(c => tenantIds(c)).Must(t => t is null || t.Count > 0).WithMessage("Name at least one tenant, or leave tenantIds out for all of yours.")
            .Must(t => t is null || t.Count <= MaxTenants).WithMessage($"At most {MaxTenants} tenants at once.")
            .Must(t => t is null || t.All(id => id != Guid.Empty)).WithMessage("A tenant id cannot be empty.")
            .OverridePropertyName("tenantIds");
        v.RuleFor(c => filter(c)!.Os).MaximumLength(Device.OperatingSystemMaxLength)
            .WithMessage($"The OS filter may be at most {Device.OperatingSystemMaxLength} characters.").OverridePropertyName("deviceFilter.os")
            .When(c => filter(c) is not null);
        v.RuleFor(c => filter(c)!.Tag).MaximumLength(Device.TagsMaxLength).WithMessage($"The tag filter may be at most {Device.TagsMaxLength} characters.")
            .Must(t => t is null || !t.Contains(',')).WithMessage("The tag filter is one tag: no commas.").OverridePropertyName("deviceFilter.tag")
            .When(c => filter(c) is not null);
        v.RuleFor(c => filter(c)!.Site).MaximumLength(Device.SiteMaxLength)
            .WithMessage($"The site filter may be at most {Device.SiteMaxLength} characters.").OverridePropertyName("deviceFilter.site")
            .When(c => filter(c) is not null);
    }
}
