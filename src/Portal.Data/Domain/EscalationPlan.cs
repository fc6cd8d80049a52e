namespace Portal.Domain;

/// <summary>
/// What applies to one incident: the MSP's policy with its contract's tighter targets for the tenant, and the levels. Pure: the
/// due times and the next escalation follow from the incident's opening, severity and what already fired.
/// </summary>
public sealed record EscalationPlan(Guid MspId, IReadOnlyList<SeverityTarget> Targets, IReadOnlyList<EscalationLevel> Levels)
{
    public static EscalationPlan For(EscalationPolicy policy, MspContract? contract) =>
        new(policy.MspId, [.. policy.Targets.Select(t => contract?.TightenedTarget(t) ?? t)], policy.Levels);

    public SeverityTarget TargetFor(Severity severity) => Targets.Single(t => t.Severity == severity);

    public DateTimeOffset AcknowledgeDue(Severity severity, DateTimeOffset openedAt) => openedAt.AddMinutes(TargetFor(severity).AcknowledgeMinutes);

    public DateTimeOffset ResolveDue(Severity severity, DateTimeOffset openedAt) => openedAt.AddMinutes(TargetFor(severity).ResolveMinutes);

    /// <summary>The level after <paramref name="fired"/> of this kind, and when it is due counted from <paramref name="dueAt"/>; null when none is left.</summary>
    public (EscalationLevel Level, DateTimeOffset At)? Next(EscalationKind kind, DateTimeOffset dueAt, int fired) =>
        Levels.Where(l => l.Kind == kind && l.Level > fired).OrderBy(l => l.Level).FirstOrDefault() is { } next
            ? (next, dueAt.AddMinutes(next.AfterMinutes))
            : null;
}
