using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Text;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Advisories;

/// <summary>The rules every write of an advisory's content shares (publish and edit).</summary>
public static class AdvisoryContentRules
{
    public static void Apply<T>(AbstractValidator<T> v, Func<T, string?> title, Func<T, Severity?> severity, Func<T, string?> impact,
        Func<T, string?> runbook, Func<T, IReadOnlyList<Guid>?> services, Func<T, IReadOnlyList<string>?> regions)
    {
        v.RuleFor(c => title(c)).NotEmpty().WithMessage("A title is required.").OverridePropertyName("title")
            .MaximumLength(Advisory.TitleMaxLength).WithMessage($"The title may be at most {Advisory.TitleMaxLength} characters.")
            .IsPlainText("title", multiline: false);
        v.RuleFor(c => severity(c)).NotNull().WithMessage("A severity is required: Sev1, Sev2, Sev3 or Sev4.").OverridePropertyName("severity")
            .IsInEnum().WithMessage("Severity must be Sev1, Sev2, Sev3 or Sev4.");
        v.RuleFor(c => impact(c)).NotEmpty().WithMessage("The impact (what customers are told) is required.").OverridePropertyName("impact")
            .MaximumLength(Advisory.ImpactMaxLength).WithMessage($"The impact may be at most {Advisory.ImpactMaxLength} characters.")
            .IsPlainText("impact");
        v.RuleFor(c => runbook(c)).MaximumLength(Advisory.RunbookMaxLength).OverridePropertyName("runbook")
            .WithMessage($"The runbook may be at most {Advisory.RunbookMaxLength} characters.")
            .IsPlainText("runbook");
        v.RuleFor(c => services(c)).NotEmpty().WithMessage("Name at least one affected service (serviceIds).").OverridePropertyName("serviceIds")
            .Must(s => s is null || s.Count <= Advisory.MaxServices).WithMessage($"At most {Advisory.MaxServices} services.");
        v.RuleFor(c => regions(c)).Must(r => r is null || r.Count <= Advisory.MaxRegions).WithMessage($"At most {Advisory.MaxRegions} regions.")
            .OverridePropertyName("regions")
            .Must(r => r is null || r.All(x => !string.IsNullOrWhiteSpace(x) && x.Trim().Length <= Advisory.RegionMaxLength && !x.Contains(',') && PlainText.IsPlain(x.Trim(), multiline: false)))
            .WithMessage($"A region is a name of at most {Advisory.RegionMaxLength} characters without commas or control characters, e.g. westeurope.");
    }

    /// <summary>The services must be the provider's own: a foreign or unknown id is refused by name.</summary>
    public static async Task RequireOwnServicesAsync(PortalDbContext db, Guid providerId, IReadOnlyList<Guid> serviceIds, CancellationToken ct)
    {
        var own = await db.Services.Where(s => s.ProviderId == providerId && serviceIds.Contains(s.Id)).Select(s => s.Id).ToListAsync(ct);
        var unknown = serviceIds.Except(own).ToList();
        if (unknown.Count > 0)
            throw new InvalidValueException("unknown_service", $"Not a service of this provider: {string.Join(", ", unknown)}.");
    }
}
