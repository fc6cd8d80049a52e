namespace Portal.Domain;

/// <summary>A person, identified by their Entra ID tenant (<c>tid</c>) and object id (<c>oid</c>).</summary>
public sealed class User
{
    private readonly List<Membership> _memberships = [];

    private User() { DisplayName = ""; Email = ""; }

    public User(Guid id, string displayName, string email, Guid entraTenantId, Guid entraObjectId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(displayName);
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        Id = id;
        DisplayName = displayName.Trim();
        Email = email.Trim().ToLowerInvariant();
        EntraTenantId = entraTenantId;
        EntraObjectId = entraObjectId;
    }

    public Guid Id { get; private set; }
    public string DisplayName { get; private set; }
    public string Email { get; private set; }
    public Guid EntraTenantId { get; private set; }
    public Guid EntraObjectId { get; private set; }
    public IReadOnlyCollection<Membership> Memberships => _memberships;

    public Membership Join(Organisation organisation, Role role)
    {
        if (!RoleRules.Fits(role, organisation.Kind))
            throw new DomainRuleException("role_mismatch", $"The role {role} does not belong in a {organisation.Kind} organisation.");
        if (_memberships.Any(m => m.OrganisationId == organisation.Id && m.Role == role))
            throw new DomainRuleException("duplicate_membership", $"{DisplayName} already holds {role} in {organisation.Name}.");
        var membership = new Membership(Guid.NewGuid(), Id, organisation.Id, role);
        _memberships.Add(membership);
        return membership;
    }
}
