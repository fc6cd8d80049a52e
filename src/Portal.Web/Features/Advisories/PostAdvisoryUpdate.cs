using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Advisories;

/// <summary>
/// The provider posts an update (status and text). In the same transaction it goes on the timeline of every open incident an
/// MSP linked to the advisory, customer-visible and in the provider's name, so each affected customer sees it live; the
/// provider learns nothing about those incidents.
/// </summary>
[Requires(Permission.PublishAdvisories)]
public sealed record PostAdvisoryUpdate(Guid AdvisoryId, AdvisoryStatus? Status, string? Text) : ICommand<AdvisoryView>, IAdvisoryRequest, IIdempotentCommand;

public sealed class PostAdvisoryUpdateValidator : AbstractValidator<PostAdvisoryUpdate>
{
    public PostAdvisoryUpdateValidator()
    {
        RuleFor(c => c.Status).NotNull().WithMessage($"The status is required: {string.Join(", ", Enum.GetNames<AdvisoryStatus>())}.")
            .IsInEnum().WithMessage($"Status must be one of: {string.Join(", ", Enum.GetNames<AdvisoryStatus>())}.");
        RuleFor(c => c.Text).NotEmpty().WithMessage("The update needs a text.")
            .MaximumLength(Advisory.UpdateMaxLength).WithMessage($"The update may be at most {Advisory.UpdateMaxLength} characters.")
            .IsPlainText("update");
    }
}

public sealed class PostAdvisoryUpdateHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock, SafeMarkdown markdown)
    : ICommandHandler<PostAdvisoryUpdate, AdvisoryView>
{
    public async ValueTask<AdvisoryView> Handle(PostAdvisoryUpdate command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var advisory = db.Advisories.Local.Single(a => a.Id == command.AdvisoryId); // loaded by AccessBehavior
        var now = clock.GetUtcNow();
        // Who is told, and whose acknowledgement a reopening takes back: every target, which the provider's filters would hide.
        await db.AdvisoryTargets.IgnoreQueryFilters().Where(t => t.AdvisoryId == advisory.Id).LoadAsync(cancellationToken);
        var update = advisory.PostUpdate(command.Status!.Value, command.Text!, user.UserId, user.DisplayName, now);

        // Linked incidents live in tenants the provider cannot read: reached without the filters, written, never returned.
        var providerName = await db.Organisations.Where(o => o.Id == advisory.ProviderId).Select(o => o.Name).SingleAsync(cancellationToken);
        // Only in tenants it still targets: one its MSP took off the advisory ("its people stop seeing it") keeps its incident, not the news.
        var targeted = advisory.Targets.Select(t => t.TenantId).ToList();
        var linked = await db.Incidents.IgnoreQueryFilters()
            .Where(i => i.AdvisoryId == advisory.Id && i.Status != IncidentStatus.Closed && targeted.Contains(i.TenantId)).ToListAsync(cancellationToken);
        foreach (var incident in linked) incident.RecordAdvisoryUpdate(providerName, update, now);

        await db.SaveChangesAsync(cancellationToken);
        return await AdvisoryReads.ViewAfterChangeAsync(db, markdown, advisory, cancellationToken);
    }
}
