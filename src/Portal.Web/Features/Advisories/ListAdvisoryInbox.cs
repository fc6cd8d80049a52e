using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Advisories;

/// <summary>
/// One targeted tenant of an advisory as its MSP works on it: the advisory, the tenant, who acknowledged it and when, and the
/// incident linked to it there (if opened).
/// </summary>
public sealed record AdvisoryInboxItem(
    Guid AdvisoryId, string AdvisoryTitle, Guid ProviderId, string ProviderName, Severity Severity, AdvisoryStatus Status, DateTimeOffset PublishedAt,
    Guid TenantId, string TenantName, AdvisoryTargetSource Source, DateTimeOffset TargetedAt, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy,
    Guid? IncidentId, string? IncidentReference, IncidentStatus? IncidentStatus)
{
    public bool IsAcknowledged => AcknowledgedAt is not null;
}

/// <summary>
/// The MSP's to-do list across its tenants: every target of every advisory in the tenants it manages, the unacknowledged first
/// (then the most severe, the newest); optionally only the unacknowledged, or one advisory's.
/// </summary>
[Requires(Permission.WorkAdvisories)]
public sealed record ListAdvisoryInbox(bool? Unacknowledged = null, Guid? AdvisoryId = null, int Limit = 500) : IQuery<IReadOnlyList<AdvisoryInboxItem>>;

public sealed class ListAdvisoryInboxHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<ListAdvisoryInbox, IReadOnlyList<AdvisoryInboxItem>>
{
    public const int MaxLimit = 2000;

    public async ValueTask<IReadOnlyList<AdvisoryInboxItem>> Handle(ListAdvisoryInbox query, CancellationToken cancellationToken)
    {
        if (query.Limit is < 1 or > MaxLimit) throw new InvalidValueException("invalid_limit", $"limit must be between 1 and {MaxLimit}.");
        return await AdvisoryInbox.ReadAsync(db, currentUser.Required, query.AdvisoryId, null, query.Unacknowledged == true, query.Limit, cancellationToken);
    }
}
