using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;
using Portal.Pipeline;

namespace Portal.Features.People;

/// <summary>
/// Takes one membership away. The person loses what it granted the moment this commits — cached access, cached status pages
/// and open sockets, on every instance (the commit path's revocation). The last holder of the organisation's admin role
/// stays (409 <c>last_admin</c>): an organisation is never left without someone who can manage its people. Their last
/// membership gone, a customer's member gets none of its incident email, and an MSP's member is nobody's on-call any more (out
/// of the rotation and its shifts to come; the rotation's only engineer is 409 <c>last_on_call_engineer</c>).
/// </summary>
[Requires(Permission.ManagePeople)]
public sealed record RemoveMember(Guid OrganisationId, Guid MembershipId) : ICommand, IOrganisationRequest;

public sealed class RemoveMemberValidator : AbstractValidator<RemoveMember>
{
    public RemoveMemberValidator()
    {
        RuleFor(c => c.OrganisationId).NotEmpty();
        RuleFor(c => c.MembershipId).NotEmpty();
    }
}

public sealed class RemoveMemberHandler(PortalDbContext db, AuditLog auditLog, TimeProvider clock) : ICommandHandler<RemoveMember>
{
    public async ValueTask<Unit> Handle(RemoveMember command, CancellationToken cancellationToken)
    {
        // Under the organisation's row lock: two admins removing each other at once cannot leave it without one.
        var organisation = await OrganisationRowLock.LockAsync(db, command.OrganisationId, cancellationToken);
        // Memberships carry no query filter: the organisation is part of the lookup, so another organisation's is "not there".
        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.Id == command.MembershipId && m.OrganisationId == organisation.Id, cancellationToken)
                         ?? throw new NotFoundException("member", command.MembershipId);
        await AdminRule.EnsureAnotherAdminRemainsAsync(db, organisation, membership, cancellationToken);

        var person = await db.Users.AsNoTracking().Where(u => u.Id == membership.UserId).Select(u => new { u.DisplayName, u.Email }).SingleAsync(cancellationToken);
        db.Memberships.Remove(membership);
        var left = !await db.Memberships.AnyAsync(m => m.OrganisationId == organisation.Id && m.UserId == membership.UserId && m.Id != membership.Id, cancellationToken);
        // Someone who is no longer a member of the tenant gets none of its incident email, and is not listed as getting it: their
        // subscription goes with their last membership (kept, it would also start mailing again if they were ever added back).
        var stopped = left
            ? await db.EmailSubscriptions.Where(s => s.TenantId == organisation.Id && s.UserId == membership.UserId).ExecuteDeleteAsync(cancellationToken)
            : 0;
        // An escalation to "on call" named them and mailed nobody (mail goes to current members only).
        var rotation = left && organisation.Kind == OrganisationKind.Msp
            ? await db.OnCallRotations.Include(r => r.Overrides).FirstOrDefaultAsync(r => r.MspId == organisation.Id, cancellationToken)
            : null;
        var offCall = rotation?.Drop(membership.UserId, clock.GetUtcNow()) == true;
        auditLog.Record(organisation.Id, "member_removed", $"Removed {person.DisplayName} ({person.Email}) as {membership.Role}"
            + (stopped > 0 ? "; their incident emails stopped" : "") + (offCall ? "; taken out of the on-call rotation and their shifts to come" : ""));
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
