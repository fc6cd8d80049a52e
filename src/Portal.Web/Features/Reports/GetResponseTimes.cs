using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Reports;

/// <summary>
/// MTTA and MTTR of the incidents opened in a period, over every tenant the reader may see (the query filters decide: an
/// MSP's managed tenants, a customer's own), by severity and by tenant, with the incidents themselves. Means and medians
/// are over the incidents that reached the milestone; an MSP also sees how many missed their targets.
/// </summary>
[Requires(Permission.ReadIncidents)]
public sealed record GetResponseTimes(DateTimeOffset? From, DateTimeOffset? To) : IQuery<ResponseTimesView>;

public sealed record ResponseTimesView(DateTimeOffset From, DateTimeOffset To, bool ShowsTargets, ResponseTimesRow All,
    IReadOnlyList<ResponseTimesRow> BySeverity, IReadOnlyList<ResponseTimesRow> ByTenant, IReadOnlyList<ReportedIncident> Incidents, int IncidentsLeftOut);

/// <summary>
/// One group's figures. Seconds, so a client formats them as it likes. MissedAcknowledge / MissedResolve count incidents
/// past their due time without the milestone, or that reached it late (null for a customer, who is not shown the targets).
/// </summary>
public sealed record ResponseTimesRow(string Label, Guid? TenantId, Severity? Severity, int Opened,
    int Acknowledged, long? MeanSecondsToAcknowledge, long? MedianSecondsToAcknowledge,
    int Resolved, long? MeanSecondsToResolve, long? MedianSecondsToResolve,
    int? MissedAcknowledge, int? MissedResolve);

public sealed record ReportedIncident(Guid Id, string Reference, string Title, string TenantName, Severity Severity, IncidentStatus Status,
    DateTimeOffset OpenedAt, long? SecondsToAcknowledge, long? SecondsToResolve);

public sealed class GetResponseTimesValidator : AbstractValidator<GetResponseTimes>
{
    public const int MaxDays = 366;

    /// <summary>How far from now either end may lie: further is a typing mistake, and the default period's arithmetic overflowed near year 1 (a 500).</summary>
    public const int MaxYearsAway = 10;

    public GetResponseTimesValidator(TimeProvider clock)
    {
        RuleFor(q => q.From).Must(at => at is null || IsWithinReach(at.Value, clock.GetUtcNow()))
            .WithMessage($"'from' must be within {MaxYearsAway} years of now.").OverridePropertyName("from");
        RuleFor(q => q.To).Must(at => at is null || IsWithinReach(at.Value, clock.GetUtcNow()))
            .WithMessage($"'to' must be within {MaxYearsAway} years of now.").OverridePropertyName("to");
        RuleFor(q => q.To).Must((q, to) => q.From is null || (to ?? DateTimeOffset.MaxValue) > q.From).WithMessage("'to' must be after 'from'.")
            .OverridePropertyName("to");
        RuleFor(q => q.From).Must((q, from) => from is null || q.To is null || q.To.Value - from.Value <= TimeSpan.FromDays(MaxDays))
            .WithMessage($"A period is at most {MaxDays} days.").OverridePropertyName("from");
    }

    private static bool IsWithinReach(DateTimeOffset at, DateTimeOffset now) => at >= now.AddYears(-MaxYearsAway) && at <= now.AddYears(MaxYearsAway);
}

public sealed class GetResponseTimesHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : IQueryHandler<GetResponseTimes, ResponseTimesView>
{
    /// <summary>The incidents listed with the figures; the figures themselves count every incident of the period.</summary>
    public const int MaxListed = 200;

    public async ValueTask<ResponseTimesView> Handle(GetResponseTimes query, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var now = clock.GetUtcNow();
        // In UTC whatever offset the caller wrote: the database compares instants only so (SQLite stored the local clock's
        // ticks for "+02:00", two hours off; PostgreSQL refuses any offset but zero).
        var to = query.To?.ToUniversalTime() ?? now;
        var from = query.From?.ToUniversalTime() ?? to.AddDays(-30);
        // The validator sees both ends only when both are given; "from" alone ends now, which only the handler knows.
        if (from >= to) throw new ValidationException([new ValidationFailure("to", "'to' must be after 'from' (without 'to', the period ends now).")]);
        if (to - from > TimeSpan.FromDays(GetResponseTimesValidator.MaxDays))
            throw new ValidationException([new ValidationFailure("from", $"A period is at most {GetResponseTimesValidator.MaxDays} days.")]);

        // Durations are taken in memory: SQLite keeps the times as text, and one period's incidents are few columns each.
        var incidents = await db.Incidents.AsNoTracking()
            .Where(i => i.CreatedAt >= from && i.CreatedAt < to)
            .Select(i => new Row(i.Id, i.TenantId, i.Reference, i.Title, i.Severity, i.Status, i.CreatedAt, i.AcknowledgedAt, i.ResolvedAt,
                i.AcknowledgeDueAt, i.ResolveDueAt))
            .ToListAsync(cancellationToken);

        // The targets are the MSP's (its escalation clock); a reader who works on none of these tenants does not see them.
        var showsTargets = incidents.Count == 0
            ? user.Tenants.Values.Any(t => t.Access == TenantAccess.Msp)
            : incidents.All(i => user.AccessTo(i.TenantId) == TenantAccess.Msp);
        string TenantName(Guid id) => user.Tenants.TryGetValue(id, out var t) ? t.Name : "";

        var listed = incidents.OrderByDescending(i => i.CreatedAt).ThenBy(i => i.Reference, StringComparer.Ordinal).Take(MaxListed)
            .Select(i => new ReportedIncident(i.Id, i.Reference, i.Title, TenantName(i.TenantId), i.Severity, i.Status, i.CreatedAt,
                Seconds(i.CreatedAt, i.AcknowledgedAt), Seconds(i.CreatedAt, i.ResolvedAt)))
            .ToList();
        return new ResponseTimesView(from, to, showsTargets,
            Figures("All incidents", null, null, incidents, showsTargets, now),
            [.. incidents.GroupBy(i => i.Severity).OrderBy(g => g.Key).Select(g => Figures(g.Key.ToString(), null, g.Key, [.. g], showsTargets, now))],
            [.. incidents.GroupBy(i => i.TenantId).Select(g => Figures(TenantName(g.Key), g.Key, null, [.. g], showsTargets, now))
                .OrderBy(r => r.Label, StringComparer.Ordinal)],
            listed, incidents.Count - listed.Count);
    }

    private sealed record Row(Guid Id, Guid TenantId, string Reference, string Title, Severity Severity, IncidentStatus Status, DateTimeOffset CreatedAt,
        DateTimeOffset? AcknowledgedAt, DateTimeOffset? ResolvedAt, DateTimeOffset? AcknowledgeDueAt, DateTimeOffset? ResolveDueAt);

    private static ResponseTimesRow Figures(string label, Guid? tenantId, Severity? severity, IReadOnlyList<Row> rows, bool showsTargets, DateTimeOffset now)
    {
        var toAcknowledge = rows.Select(r => Seconds(r.CreatedAt, r.AcknowledgedAt)).OfType<long>().ToList();
        var toResolve = rows.Select(r => Seconds(r.CreatedAt, r.ResolvedAt)).OfType<long>().ToList();
        return new ResponseTimesRow(label, tenantId, severity, rows.Count,
            toAcknowledge.Count, Mean(toAcknowledge), Median(toAcknowledge),
            toResolve.Count, Mean(toResolve), Median(toResolve),
            showsTargets ? rows.Count(r => Missed(r.AcknowledgedAt, r.AcknowledgeDueAt, now)) : null,
            showsTargets ? rows.Count(r => Missed(r.ResolvedAt, r.ResolveDueAt, now)) : null);
    }

    private static bool Missed(DateTimeOffset? at, DateTimeOffset? due, DateTimeOffset now) => due is { } d && (at ?? now) > d;

    private static long? Seconds(DateTimeOffset from, DateTimeOffset? at) => at is { } a ? (long)(a - from).TotalSeconds : null;

    private static long? Mean(List<long> values) => values.Count == 0 ? null : (long)Math.Round(values.Average());

    private static long? Median(List<long> values)
    {
        if (values.Count == 0) return null;
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
