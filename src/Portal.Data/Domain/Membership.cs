namespace Portal.Domain;

public sealed class Membership
{
    private Membership() { }

    internal Membership(Guid id, Guid userId, Guid organisationId, Role role)
    {
        Id = id;
        UserId = userId;
        OrganisationId = organisationId;
        Role = role;
    }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    public Guid OrganisationId { get; private set; }
    public Role Role { get; private set; }

    /// <summary>
    /// Gives the member another role of the same organisation. Whether an admin still remains is the caller's check under the
    /// organisation's row lock (it depends on the other members); this guards what the membership alone knows.
    /// </summary>
    public void ChangeRole(Organisation organisation, Role role, IEnumerable<Membership> othersOfTheSameUser)
    {
        if (organisation.Id != OrganisationId) throw new InvalidOperationException("A membership changes role within its own organisation.");
        if (!RoleRules.Fits(role, organisation.Kind) || (role == Role.MspIntegration) != (Role == Role.MspIntegration))
            throw new InvalidValueException("role_mismatch", $"{role} is not a role this member can hold in {organisation.Name}.");
        if (role == Role) throw new DomainRuleException("same_role", $"The member already holds {role}.");
        if (othersOfTheSameUser.Any(m => m.Id != Id && m.OrganisationId == OrganisationId && m.Role == role))
            throw new DomainRuleException("duplicate_membership", $"The member already holds {role} in {organisation.Name} through another membership.");
        Role = role;
    }
}
