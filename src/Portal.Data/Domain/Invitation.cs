namespace Portal.Domain;

public enum InvitationState { Pending, Accepted, Revoked, Expired }

/// <summary>
/// A person asked to join an organisation with a role, by email. It binds at their first sign-in from the organisation's own
/// Entra tenant with that email (then a <see cref="User"/> and a <see cref="Membership"/> exist and it is accepted), unless it
/// was revoked or expired first. Kept afterwards as the record of who was invited when.
/// </summary>
public sealed class Invitation
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(14);

    private Invitation() { Email = ""; }

    public Invitation(Guid id, Organisation organisation, string email, Role role, Guid? invitedByUserId, DateTimeOffset at, TimeSpan lifetime)
    {
        if (!organisation.IsActive) throw new DomainRuleException("organisation_deactivated", $"{organisation.Name} is deactivated: nobody can be invited to it.");
        if (!RoleRules.Fits(role, organisation.Kind) || role == Role.MspIntegration)
            throw new InvalidValueException("role_mismatch", $"{role} is not a role a person holds in a {KindWord(organisation.Kind)}; choose one of {string.Join(", ", RolesFor(organisation.Kind))}.");
        if (lifetime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lifetime), "An invitation must live for some time.");
        Id = id;
        OrganisationId = organisation.Id;
        Email = EmailAddress.Normalise(email);
        Role = role;
        InvitedByUserId = invitedByUserId;
        InvitedAt = at;
        ExpiresAt = at + lifetime;
    }

    public Guid Id { get; private set; }
    public Guid OrganisationId { get; private set; }

    /// <summary>Normalised (<see cref="EmailAddress.Normalise"/>): compared exactly with the token's normalised email.</summary>
    public string Email { get; private set; }

    public Role Role { get; private set; }
    public Guid? InvitedByUserId { get; private set; }
    public DateTimeOffset InvitedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public DateTimeOffset? AcceptedAt { get; private set; }
    public Guid? AcceptedUserId { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }

    public InvitationState StateAt(DateTimeOffset now) =>
        AcceptedAt is not null ? InvitationState.Accepted
        : RevokedAt is not null ? InvitationState.Revoked
        : now >= ExpiresAt ? InvitationState.Expired
        : InvitationState.Pending;

    public bool IsPendingAt(DateTimeOffset now) => StateAt(now) == InvitationState.Pending;

    /// <summary>The person signed in from the organisation's Entra tenant with the invited email: they join with the role.</summary>
    public Membership Accept(User user, Organisation organisation, DateTimeOffset now)
    {
        if (organisation.Id != OrganisationId) throw new InvalidOperationException("An invitation is accepted into its own organisation.");
        EnsurePending(now);
        if (organisation.EntraTenantId is not { } tenant || user.EntraTenantId != tenant)
            throw new DomainRuleException("wrong_entra_tenant", $"This invitation can only be accepted by signing in from {organisation.Name}'s Entra tenant.");
        if (user.Email != Email) throw new DomainRuleException("wrong_email", "This invitation is for another email address.");
        AcceptedAt = now;
        AcceptedUserId = user.Id;
        return user.Memberships.FirstOrDefault(m => m.OrganisationId == OrganisationId && m.Role == Role) ?? user.Join(organisation, Role);
    }

    public void Revoke(DateTimeOffset now)
    {
        EnsurePending(now);
        RevokedAt = now;
    }

    private void EnsurePending(DateTimeOffset now)
    {
        switch (StateAt(now))
        {
            case InvitationState.Accepted: throw new DomainRuleException("invitation_accepted", $"The invitation of {Email} was already accepted.");
            case InvitationState.Revoked: throw new DomainRuleException("invitation_revoked", $"The invitation of {Email} was revoked.");
            case InvitationState.Expired: throw new DomainRuleException("invitation_expired", $"The invitation of {Email} expired on {ExpiresAt:u}.");
        }
    }

    /// <summary>The roles a person may be invited with into an organisation of this kind (machine clients are not invited).</summary>
    public static IReadOnlyList<Role> RolesFor(OrganisationKind kind) =>
        [.. Enum.GetValues<Role>().Where(r => RoleRules.Fits(r, kind) && r != Role.MspIntegration)];

    private static string KindWord(OrganisationKind kind) => kind switch
    {
        OrganisationKind.Msp => "MSP",
        OrganisationKind.Platform => "platform organisation",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
