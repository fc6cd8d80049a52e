using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Data;
using Portal.Pipeline;

namespace Portal.Features.People;

/// <summary>
/// Invites a person by email with a role of the organisation's kind. The invitation binds at their first sign-in from the
/// organisation's Entra tenant with that email (<see cref="InvitationBinder"/>), or expires (<c>People:InvitationLifetime</c>).
/// Someone who already uses Portal from that Entra tenant with that email has had their first sign-in: their invitation binds
/// at once, with the same checks (<see cref="Invitation.Accept"/>), and their next request sees the membership. Before, it stayed
/// pending until it expired, since the binder runs only for a token that maps to nobody.
/// </summary>
[Requires(Permission.ManagePeople)]
public sealed record InvitePerson(Guid OrganisationId, string? Email, Role? Role) : ICommand<InvitationView>, IOrganisationRequest;

public sealed class InvitePersonValidator : AbstractValidator<InvitePerson>
{
    public InvitePersonValidator()
    {
        RuleFor(c => c.Email).Custom((email, context) =>
        {
            if (!EmailAddress.TryNormalise(email, out _, out var problem)) context.AddFailure("email", problem);
        });
        RuleFor(c => c.Role).NotNull().WithMessage("Choose the role the person gets (role).").IsInEnum().OverridePropertyName("role");
    }
}

public sealed class InvitePersonHandler(PortalDbContext db, AuditLog audit, CurrentUser currentUser, TimeProvider clock, IOptions<PeopleOptions> options)
    : ICommandHandler<InvitePerson, InvitationView>
{
    public async ValueTask<InvitationView> Handle(InvitePerson command, CancellationToken cancellationToken)
    {
        var organisation = await OrganisationRowLock.LockAsync(db, command.OrganisationId, cancellationToken);
        var email = EmailAddress.Normalise(command.Email);
        var now = clock.GetUtcNow();

        var member = await (from m in db.Memberships
                            join u in db.Users on m.UserId equals u.Id
                            where m.OrganisationId == organisation.Id && u.Email == email
                            select u.DisplayName).FirstOrDefaultAsync(cancellationToken);
        if (member is not null) throw new DomainRuleException("already_member", $"{email} is already a member of {organisation.Name} ({member}).");
        if (await db.Invitations.AnyAsync(i => i.OrganisationId == organisation.Id && i.Email == email && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now, cancellationToken))
            throw new DomainRuleException("already_invited", $"{email} already has a pending invitation to {organisation.Name}; revoke it first to invite again.");

        var invitation = new Invitation(Guid.CreateVersion7(now), organisation, email, command.Role!.Value, currentUser.Access?.UserId, now, options.Value.InvitationLifetime);
        db.Invitations.Add(invitation);
        audit.Record(organisation.Id, "person_invited", $"Invited {invitation.Email} as {invitation.Role} (expires {invitation.ExpiresAt:yyyy-MM-dd HH:mm} UTC)");
        // Only one account can be meant: two users of the Entra tenant with this email leave it to the first sign-in's binding.
        var known = organisation.EntraTenantId is { } tid
            ? await db.Users.Include(u => u.Memberships).Where(u => u.EntraTenantId == tid && u.Email == email).Take(2).ToListAsync(cancellationToken)
            : [];
        if (known is [var user])
        {
            invitation.Accept(user, organisation, now);
            db.AuditEntries.Add(new AuditEntry(organisation.Id, now, user.Id, user.DisplayName, "invitation_accepted",
                $"{user.DisplayName} ({email}) already signs in from Entra tenant {user.EntraTenantId}: the invitation as {invitation.Role} bound at once"));
        }
        await db.SaveChangesAsync(cancellationToken);
        return InvitationView.From(invitation, now);
    }
}
