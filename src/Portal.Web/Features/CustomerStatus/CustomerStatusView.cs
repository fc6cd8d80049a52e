using System.Text.Json.Serialization;
using Portal.Domain;

namespace Portal.Features.CustomerStatus;

/// <summary>
/// What a customer sees of its own tenant: customer-visible facts only, never an internal note.
/// <see cref="Sequence"/> is the tenant's customer stream number this view includes.
/// </summary>
public sealed record CustomerStatusView(
    Guid TenantId,
    string TenantName,
    DateTimeOffset GeneratedAt,
    long Sequence,
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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CustomerProgressView? Progress,
    IReadOnlyList<CustomerUpdateView> Updates);

/// <summary>How the hands-on work on the tenant's devices stands: "412 of 1,204 devices restored" (null when the incident has no tasks).</summary>
public sealed record CustomerProgressView(int Total, int Completed, int Failed);

public sealed record CustomerUpdateView(int Sequence, DateTimeOffset At, string Author, string Text);
