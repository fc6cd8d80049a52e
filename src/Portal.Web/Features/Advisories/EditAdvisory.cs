using FluentValidation;
using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Portal.Pipeline;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Advisories;

/// <summary>
/// The provider corrects its advisory's content; the earlier revision stays readable. Changed services or regions retarget it
/// at once: new tenants are reached, tenants no longer concerned stop seeing it.
/// </summary>
[Requires(Permission.PublishAdvisories)]
public sealed record EditAdvisory(Guid AdvisoryId, string? Title, Severity? Severity, string? Impact, string? Runbook,
    IReadOnlyList<Guid>? ServiceIds, IReadOnlyList<string>? Regions, long? ExpectedVersion = null) : ICommand<AdvisoryView>, IAdvisoryRequest;

public sealed class EditAdvisoryValidator : AbstractValidator<EditAdvisory>
{
    public EditAdvisoryValidator() =>
        AdvisoryContentRules.Apply(this, c => c.Title, c => c.Severity, c => c.Impact, c => c.Runbook, c => c.ServiceIds, c => c.Regions);
}

public sealed class EditAdvisoryHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock, SafeMarkdown markdown)
    : ICommandHandler<EditAdvisory, AdvisoryView>
{
    public async ValueTask<AdvisoryView> Handle(EditAdvisory command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var advisory = db.Advisories.Local.Single(a => a.Id == command.AdvisoryId); // loaded by AccessBehavior
        if (command.ExpectedVersion is { } expected && expected != advisory.Version) throw new StaleVersionException("advisory", expected, advisory.Version);
        await AdvisoryContentRules.RequireOwnServicesAsync(db, advisory.ProviderId, command.ServiceIds!, cancellationToken);
        var now = clock.GetUtcNow();
        var reachChanged = advisory.Edit(new AdvisoryContent(command.Title!, command.Severity!.Value, command.Impact!, command.Runbook,
            command.ServiceIds!, command.Regions ?? []), user.UserId, user.DisplayName, now);
        if (reachChanged) await AdvisoryTargeting.RetargetAsync(db, advisory, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return await AdvisoryReads.ViewAfterChangeAsync(db, markdown, advisory, cancellationToken);
    }
}
