using FluentValidation;
using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Advisories;

/// <summary>
/// The MSP says one of its tenants is affected (Include) or not, whatever the subscriptions say: the override is kept and the
/// advisory retargeted at once, so an added tenant is reached (told live) and a removed one stops seeing it. Saying the same
/// twice changes nothing more. A linked incident already opened in a removed tenant stays (it is the MSP's to close).
/// </summary>
[Requires(Permission.WorkAdvisories)]
public sealed record ChangeAdvisoryTarget(Guid AdvisoryId, Guid TenantId, bool? Include) : ICommand<AdvisoryInboxItem?>, IAdvisoryRequest, ITenantRequest;

public sealed class ChangeAdvisoryTargetValidator : AbstractValidator<ChangeAdvisoryTarget>
{
    public ChangeAdvisoryTargetValidator() =>
        RuleFor(c => c.Include).NotNull().WithMessage("Say whether the tenant is affected (include: true) or not (include: false).");
}

public sealed class ChangeAdvisoryTargetHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<ChangeAdvisoryTarget, AdvisoryInboxItem?>
{
    public async ValueTask<AdvisoryInboxItem?> Handle(ChangeAdvisoryTarget command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var advisory = db.Advisories.Local.Single(a => a.Id == command.AdvisoryId); // loaded by AccessBehavior
        var include = command.Include!.Value;
        var now = clock.GetUtcNow();
        // The same decision again keeps the first one (its who and when).
        if (!advisory.Overrides.Any(o => o.TenantId == command.TenantId && o.Include == include))
        {
            advisory.Override(command.TenantId, include, user.ActorIn(command.TenantId), now);
            await AdvisoryTargeting.RetargetAsync(db, advisory, now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }
        return include ? await AdvisoryInbox.OneAsync(db, user, command.AdvisoryId, command.TenantId, cancellationToken) : null;
    }
}
