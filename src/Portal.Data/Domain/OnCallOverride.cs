namespace Portal.Domain;

/// <summary>One shift given to someone other than the rotation's engineer: [From, To).</summary>
public sealed class OnCallOverride
{
    private OnCallOverride() { }

    internal OnCallOverride(Guid id, Guid rotationId, Guid userId, DateTimeOffset from, DateTimeOffset to, Guid createdById, DateTimeOffset createdAt)
    {
        Id = id;
        RotationId = rotationId;
        UserId = userId;
        From = from;
        To = to;
        CreatedById = createdById;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public Guid RotationId { get; private set; }
    public Guid UserId { get; private set; }
    public DateTimeOffset From { get; private set; }
    public DateTimeOffset To { get; private set; }
    public Guid CreatedById { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
}
