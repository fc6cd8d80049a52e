using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Notifications;

public sealed record EmailSubscriptionView(Guid Id, Guid TenantId, Guid UserId, string Name, string Email, IReadOnlyList<Severity> Severities,
    bool StatusChanges, bool CustomerUpdates, DateTimeOffset UpdatedAt)
{
    public static EmailSubscriptionView From(EmailSubscription s) =>
        new(s.Id, s.TenantId, s.UserId, s.DisplayName, s.Email, s.Severities, s.StatusChanges, s.CustomerUpdates, s.UpdatedAt);
}

/// <summary>Who in the tenant gets email, for what (the tenant's CustomerAdmin).</summary>
[Requires(Permission.ManageEmailSubscriptions)]
public sealed record ListEmailSubscriptions(Guid TenantId) : IQuery<IReadOnlyList<EmailSubscriptionView>>, ITenantRequest;

public sealed class ListEmailSubscriptionsHandler(PortalDbContext db) : IQueryHandler<ListEmailSubscriptions, IReadOnlyList<EmailSubscriptionView>>
{
    public async ValueTask<IReadOnlyList<EmailSubscriptionView>> Handle(ListEmailSubscriptions query, CancellationToken cancellationToken)
    {
        var rows = await db.EmailSubscriptions.AsNoTracking().Where(s => s.TenantId == query.TenantId).OrderBy(s => s.DisplayName).ToListAsync(cancellationToken);
        return [.. rows.Select(EmailSubscriptionView.From)];
    }
}

/// <summary>Subscribe a member of the tenant, or change what they get (one subscription per person and tenant).</summary>
[Requires(Permission.ManageEmailSubscriptions)]
public sealed record SetEmailSubscription(Guid TenantId, Guid? UserId, Severity[]? Severities, bool? StatusChanges, bool? CustomerUpdates)
    : ICommand<EmailSubscriptionView>, ITenantRequest;

public sealed class SetEmailSubscriptionValidator : AbstractValidator<SetEmailSubscription>
{
    public SetEmailSubscriptionValidator()
    {
        RuleFor(c => c.UserId).NotNull().WithMessage("Say who gets the email (userId, a member of the tenant).");
        RuleFor(c => c.Severities).NotEmpty().WithMessage("Choose at least one severity (Sev1..Sev4).");
        RuleForEach(c => c.Severities).IsInEnum().WithMessage("Severities are Sev1, Sev2, Sev3 or Sev4.");
    }
}

public sealed class SetEmailSubscriptionHandler(PortalDbContext db, TimeProvider clock) : ICommandHandler<SetEmailSubscription, EmailSubscriptionView>
{
    public async ValueTask<EmailSubscriptionView> Handle(SetEmailSubscription command, CancellationToken cancellationToken)
    {
        var userId = command.UserId!.Value;
        // Only a member of this very tenant: a customer admin cannot sign up someone of another organisation.
        var person = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId && db.Memberships.Any(m => m.UserId == u.Id && m.OrganisationId == command.TenantId))
            .Select(u => new { u.Email, u.DisplayName }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("member of this tenant", userId);
        var now = clock.GetUtcNow();
        var subscription = await db.EmailSubscriptions.SingleOrDefaultAsync(s => s.TenantId == command.TenantId && s.UserId == userId, cancellationToken);
        if (subscription is null)
        {
            subscription = new EmailSubscription(Guid.CreateVersion7(now), command.TenantId, userId, person.Email, person.DisplayName,
                command.Severities!, command.StatusChanges ?? true, command.CustomerUpdates ?? true, now);
            db.EmailSubscriptions.Add(subscription);
        }
        else
        {
            subscription.Change(command.Severities!, command.StatusChanges ?? subscription.StatusChanges, command.CustomerUpdates ?? subscription.CustomerUpdates, now);
        }
        await db.SaveChangesAsync(cancellationToken);
        return EmailSubscriptionView.From(subscription);
    }
}

[Requires(Permission.ManageEmailSubscriptions)]
public sealed record DeleteEmailSubscription(Guid TenantId, Guid SubscriptionId) : ICommand<Unit>, ITenantRequest;

public sealed class DeleteEmailSubscriptionHandler(PortalDbContext db) : ICommandHandler<DeleteEmailSubscription, Unit>
{
    public async ValueTask<Unit> Handle(DeleteEmailSubscription command, CancellationToken cancellationToken)
    {
        var subscription = await db.EmailSubscriptions.SingleOrDefaultAsync(s => s.Id == command.SubscriptionId && s.TenantId == command.TenantId, cancellationToken)
                           ?? throw new NotFoundException("subscription", command.SubscriptionId);
        db.EmailSubscriptions.Remove(subscription);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

public sealed record TenantMemberView(Guid UserId, string Name, string Email);

/// <summary>The people of a customer tenant (who can be subscribed), for its CustomerAdmin.</summary>
[Requires(Permission.ManageEmailSubscriptions)]
public sealed record ListTenantMembers(Guid TenantId) : IQuery<IReadOnlyList<TenantMemberView>>, ITenantRequest;

public sealed class ListTenantMembersHandler(PortalDbContext db) : IQueryHandler<ListTenantMembers, IReadOnlyList<TenantMemberView>>
{
    public async ValueTask<IReadOnlyList<TenantMemberView>> Handle(ListTenantMembers query, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => db.Memberships.Any(m => m.UserId == u.Id && m.OrganisationId == query.TenantId))
            .OrderBy(u => u.DisplayName).Select(u => new TenantMemberView(u.Id, u.DisplayName, u.Email)).ToListAsync(cancellationToken);
}
