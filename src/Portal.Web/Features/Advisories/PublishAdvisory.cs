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
/// A provider publishes an advisory about some of its services (optionally in some regions): it reaches, in the same
/// transaction, exactly the tenants whose subscriptions match, and they are told live once it commits.
/// </summary>
[Requires(Permission.PublishAdvisories)]
public sealed record PublishAdvisory(Guid ProviderId, string? Title, Severity? Severity, string? Impact, string? Runbook,
    IReadOnlyList<Guid>? ServiceIds, IReadOnlyList<string>? Regions, AdvisoryStatus? Status) : ICommand<AdvisoryView>, IProviderRequest, IIdempotentCommand;

public sealed class PublishAdvisoryValidator : AbstractValidator<PublishAdvisory>
{
    public PublishAdvisoryValidator()
    {
        AdvisoryContentRules.Apply(this, c => c.Title, c => c.Severity, c => c.Impact, c => c.Runbook, c => c.ServiceIds, c => c.Regions);
        RuleFor(c => c.Status).IsInEnum().WithMessage($"Status must be one of: {string.Join(", ", Enum.GetNames<AdvisoryStatus>())}.");
    }
}

public sealed class PublishAdvisoryHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock, SafeMarkdown markdown)
    : ICommandHandler<PublishAdvisory, AdvisoryView>
{
    public async ValueTask<AdvisoryView> Handle(PublishAdvisory command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        await AdvisoryContentRules.RequireOwnServicesAsync(db, command.ProviderId, command.ServiceIds!, cancellationToken);
        var now = clock.GetUtcNow();
        var advisory = Advisory.Publish(command.ProviderId,
            new AdvisoryContent(command.Title!, command.Severity!.Value, command.Impact!, command.Runbook, command.ServiceIds!, command.Regions ?? []),
            command.Status ?? AdvisoryStatus.Investigating, user.UserId, user.DisplayName, now);
        db.Advisories.Add(advisory);
        await AdvisoryTargeting.RetargetAsync(db, advisory, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return await AdvisoryReads.ViewAfterChangeAsync(db, markdown, advisory, cancellationToken);
    }
}
