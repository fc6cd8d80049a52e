using Portal.Domain;

namespace Portal.Features.People;

public sealed record MemberView(Guid MembershipId, Guid UserId, string Name, string Email, Role Role);

public sealed record InvitationView(Guid Id, string Email, Role Role, InvitationState State, DateTimeOffset InvitedAt, DateTimeOffset ExpiresAt)
{
    public static InvitationView From(Invitation i, DateTimeOffset now) => new(i.Id, i.Email, i.Role, i.StateAt(now), i.InvitedAt, i.ExpiresAt);
}

/// <summary>An organisation's people: members with their roles, pending invitations, and what may be chosen.</summary>
public sealed record PeopleView(Guid OrganisationId, string OrganisationName, OrganisationKind Kind, bool IsActive, Role AdminRole,
    IReadOnlyList<Role> Roles, IReadOnlyList<MemberView> Members, IReadOnlyList<InvitationView> Invitations);

public sealed record AuditEntryView(Guid Id, DateTimeOffset At, Guid? ActorUserId, string Actor, string Action, string Detail);

/// <summary>A page of the audit log; <see cref="Next"/> is the cursor of the older entries, null on the last page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, string? Next);

/// <summary>How long an invitation stays open (<c>People:InvitationLifetime</c>, default 14 days).</summary>
public sealed class PeopleOptions
{
    public TimeSpan InvitationLifetime { get; set; } = Invitation.DefaultLifetime;
}
