using Portal.Domain;
using Portal.Infrastructure.Text;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Advisories;

public sealed record AdvisoryServiceView(Guid Id, string Name);

/// <summary>One update as everyone concerned reads it; <see cref="TextHtml"/> is the Markdown rendered safely.</summary>
public sealed record AdvisoryUpdateView(int Number, AdvisoryStatus Status, string Text, string TextHtml, string AuthorName, DateTimeOffset At)
{
    public static AdvisoryUpdateView From(AdvisoryUpdate u, SafeMarkdown markdown) => new(u.Number, u.Status, u.Text, markdown.ToHtml(u.Text), u.AuthorName, u.At);
}

/// <summary>
/// An advisory as its provider wrote it: the same for the provider, the MSPs and the customers it concerns (its content is
/// public, see the Atom feed). It says nothing about whom it targets; that is the tenant side's own business.
/// </summary>
public sealed record AdvisoryView(
    Guid Id, Guid ProviderId, string ProviderName, string Title, Severity Severity, AdvisoryStatus Status, string Impact, string? Runbook,
    string RunbookHtml, IReadOnlyList<AdvisoryServiceView> Services, IReadOnlyList<string> Regions, DateTimeOffset PublishedAt,
    DateTimeOffset UpdatedAt, DateTimeOffset? ResolvedAt, int Revision, IReadOnlyList<AdvisoryUpdateView> Updates, long Version)
{
    public string ETag => $"\"{Version}\"";
}

/// <summary>An advisory in a list.</summary>
public sealed record AdvisorySummary(Guid Id, Guid ProviderId, string ProviderName, string Title, Severity Severity, AdvisoryStatus Status,
    DateTimeOffset PublishedAt, DateTimeOffset UpdatedAt, int UpdateCount);

/// <summary>One revision of the content (edits keep history).</summary>
public sealed record AdvisoryRevisionView(int Number, string Title, Severity Severity, string Impact, string? Runbook, IReadOnlyList<Guid> ServiceIds,
    IReadOnlyList<string> Regions, string AuthorName, DateTimeOffset At);
