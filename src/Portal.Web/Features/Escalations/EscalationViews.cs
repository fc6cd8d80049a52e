using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Features.Escalations;

public sealed record EscalationPolicyView(Guid MspId, bool IsDefault, IReadOnlyList<SeverityTarget> Targets, IReadOnlyList<EscalationLevelView> Levels,
    DateTimeOffset? UpdatedAt, string? UpdatedBy)
{
    public static EscalationPolicyView From(EscalationPolicy p, IReadOnlyDictionary<Guid, string> names) =>
        new(p.MspId, p.IsDefault, p.Targets, [.. p.Levels.OrderBy(l => l.Kind).ThenBy(l => l.Level).Select(l => EscalationLevelView.From(l, names))],
            p.IsDefault ? null : p.UpdatedAt, p.IsDefault ? null : p.UpdatedByName);
}

public sealed record EscalationLevelView(EscalationKind Kind, int Level, int AfterMinutes, IReadOnlyList<PersonView> Users, IReadOnlyList<Role> Roles, bool OnCall, IReadOnlyList<string> Channels)
{
    public static EscalationLevelView From(EscalationLevel l, IReadOnlyDictionary<Guid, string> names) =>
        new(l.Kind, l.Level, l.AfterMinutes, [.. l.UserIds.Select(id => new PersonView(id, names.GetValueOrDefault(id, "(no longer a member)")))], l.Roles, l.OnCall, l.Channels);
}

public sealed record PersonView(Guid Id, string Name);

public sealed record OnCallOverrideView(Guid Id, PersonView User, DateTimeOffset From, DateTimeOffset To);

public sealed record OnCallRotationView(Guid MspId, string TimeZone, DayOfWeek HandoffDay, TimeOnly HandoffTime, DateOnly StartsOn,
    IReadOnlyList<PersonView> Engineers, IReadOnlyList<OnCallOverrideView> Overrides, OnCallNowView Now)
{
    public static OnCallRotationView From(OnCallRotation r, IReadOnlyDictionary<Guid, string> names, DateTimeOffset now) =>
        new(r.MspId, r.TimeZoneId, r.HandoffDay, r.HandoffTime, r.StartsOn, [.. r.Engineers.Select(id => Person(id, names))],
            [.. r.Overrides.OrderBy(o => o.From).Select(o => new OnCallOverrideView(o.Id, Person(o.UserId, names), o.From, o.To))],
            OnCallNowView.From(r, names, now));

    private static PersonView Person(Guid id, IReadOnlyDictionary<Guid, string> names) => new(id, names.GetValueOrDefault(id, "(no longer a member)"));
}

/// <summary>Who is on call at <see cref="At"/> (null when the MSP has no rotation), until when, and whether through an override.</summary>
public sealed record OnCallNowView(DateTimeOffset At, PersonView? OnCall, DateTimeOffset? Until, bool IsOverride)
{
    public static OnCallNowView From(OnCallRotation? r, IReadOnlyDictionary<Guid, string> names, DateTimeOffset at)
    {
        if (r is null) return new(at, null, null, false);
        var id = r.OnCallAt(at);
        return new(at, new PersonView(id, names.GetValueOrDefault(id, "(no longer a member)")), r.ShiftEndsAfter(at), r.Overrides.Any(o => o.From <= at && at < o.To));
    }
}

/// <summary>The people of one MSP, read once per request: who may be named in a level, who may be on call.</summary>
public sealed record MspPeople(IReadOnlyDictionary<Guid, string> Names, IReadOnlySet<Guid> Members, IReadOnlySet<Guid> Engineers)
{
    public static async Task<MspPeople> LoadAsync(PortalDbContext db, Guid mspId, CancellationToken ct)
    {
        var rows = await db.Memberships.AsNoTracking().Where(m => m.OrganisationId == mspId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { u.Id, u.DisplayName, m.Role }).ToListAsync(ct);
        return new(rows.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.First().DisplayName),
            rows.Select(r => r.Id).ToHashSet(),
            rows.Where(r => r.Role is Role.MspEngineer or Role.MspLead).Select(r => r.Id).ToHashSet());
    }
}
