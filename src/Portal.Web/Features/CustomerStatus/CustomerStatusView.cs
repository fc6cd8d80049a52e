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
    IReadOnlyList<CustomerIncidentView> Incidents)
{
    /// <summary>
    /// The providers' advisories that target this tenant: not resolved first, then those resolved within
    /// <see cref="GetCustomerStatusHandler.ResolvedAdvisoriesShownFor"/>. An advisory that does not target the tenant is never here.
    /// </summary>
    public IReadOnlyList<CustomerAdvisoryView> Advisories { get; init; } = [];
}

/// <summary>A provider's advisory as the customer reads it: what broke, how bad, where it stands, and the provider's latest word.</summary>
public sealed record CustomerAdvisoryView(
    Guid Id,
    string Provider,
    string Title,
    Severity Severity,
    AdvisoryStatus Status,
    string Impact,
    DateTimeOffset PublishedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ResolvedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CustomerAdvisoryUpdateView? LatestUpdate);

/// <summary>An advisory update: <see cref="Text"/> is the provider's Markdown, <see cref="TextHtml"/> the same rendered safely (SafeMarkdown).</summary>
public sealed record CustomerAdvisoryUpdateView(int Number, AdvisoryStatus Status, DateTimeOffset At, string Author, string Text, string TextHtml);

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

/// <summary>
/// How the hands-on work on the tenant's devices stands: "412 of 1,204 devices restored · 9 stuck" (null when the incident has
/// no tasks). <see cref="Total"/> counts the devices affected (a device found not applicable is left out), <see cref="Completed"/>
/// those restored (Done); <see cref="Failed"/> and <see cref="Blocked"/> those stuck, as the incident's page counts them: a
/// device waiting for what only the customer may have (a BitLocker key, someone on site) is the one they most need to know of.
/// </summary>
public sealed record CustomerProgressView(int Total, int Completed, int Failed, int Blocked)
{
    /// <summary>Blocked or failed: the devices the pages call stuck, which someone must act on (a retry, a BitLocker key, a hand on site).</summary>
    [JsonIgnore]
    public int Stuck => Blocked + Failed;
}

/// <summary>
/// One of the incident's latest customer-visible lines. <see cref="TextHtml"/> only for a provider's advisory update carried onto the
/// incident (its <see cref="Text"/> is the provider's Markdown), rendered as the advisory card renders it; absent otherwise.
/// </summary>
public sealed record CustomerUpdateView(int Sequence, DateTimeOffset At, string Author, string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TextHtml = null);
