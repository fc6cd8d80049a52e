using Portal.Domain;

namespace Portal.Features.CustomerStatus;

/// <summary>What a customer sees of its own tenant: customer-visible facts only, never an internal note.</summary>
public sealed record CustomerStatusView(
    Guid TenantId,
    string TenantName,
    DateTimeOffset GeneratedAt,
    int OpenIncidents,
    IReadOnlyList<CustomerIncidentView> Incidents);

public sealed record CustomerIncidentView(
    Guid Id,
    string Reference,
    string Title,
    string? Summary,
    Severity Severity,
    IncidentStatus Status,
    string? Assignee,
    DateTimeOffset OpenedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ResolvedAt,
    IReadOnlyList<CustomerUpdateView> Updates);

public sealed record CustomerUpdateView(int Sequence, DateTimeOffset At, string Author, string Text);
