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
}
