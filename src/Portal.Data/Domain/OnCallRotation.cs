namespace Portal.Domain;

/// <summary>
/// An MSP's weekly on-call rotation: its engineers in order, each on call for one week from the hand-off (a day and a wall-clock
/// time in an IANA time zone) to the next. <see cref="StartsOn"/> names the week of the first engineer. Overrides give one shift to
/// someone else; they may not overlap (an overlapping one is refused: who is on call must never be a guess).
/// Daylight saving: a hand-off is a wall-clock time, so it stays at 09:00 local across the change. A hand-off that falls in the
/// skipped hour (spring forward) happens when the clocks jump; one that falls in the repeated hour (fall back) happens at its
/// first occurrence.
/// </summary>
public sealed class OnCallRotation
{
    public const int MaxEngineers = 100;
    public const int MaxOverrides = 500;

    private readonly List<OnCallOverride> _overrides = [];

    private OnCallRotation() { TimeZoneId = ""; Engineers = []; }

    public OnCallRotation(Guid mspId, string timeZoneId, DayOfWeek handoffDay, TimeOnly handoffTime, DateOnly startsOn, IReadOnlyList<Guid> engineers,
        IReadOnlySet<Guid> eligibleEngineers, DateTimeOffset now)
    {
        Id = Guid.NewGuid();
        MspId = mspId;
        TimeZoneId = "";
        Engineers = [];
        Change(timeZoneId, handoffDay, handoffTime, startsOn, engineers, eligibleEngineers, now);
    }

    public Guid Id { get; private set; }
    public Guid MspId { get; private set; }

    /// <summary>An IANA zone id, e.g. Europe/Berlin.</summary>
    public string TimeZoneId { get; private set; }
    public DayOfWeek HandoffDay { get; private set; }
    public TimeOnly HandoffTime { get; private set; }

    /// <summary>A date in the first engineer's first week (the hand-off on or before it starts that week).</summary>
    public DateOnly StartsOn { get; private set; }

    /// <summary>The engineers in rotation order (MSP members with an engineer role).</summary>
    public IReadOnlyList<Guid> Engineers { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public IReadOnlyCollection<OnCallOverride> Overrides => _overrides;

    public void Change(string timeZoneId, DayOfWeek handoffDay, TimeOnly handoffTime, DateOnly startsOn, IReadOnlyList<Guid> engineers,
        IReadOnlySet<Guid> eligibleEngineers, DateTimeOffset now)
    {
        var zone = FindZone(timeZoneId);
        if (!Enum.IsDefined(handoffDay)) throw new InvalidValueException("invalid_day", $"Day {(int)handoffDay} does not exist.");
        if (engineers.Count == 0) throw new InvalidValueException("no_engineers", "A rotation needs at least one engineer.");
        if (engineers.Count > MaxEngineers) throw new InvalidValueException("too_many_engineers", $"A rotation holds at most {MaxEngineers} engineers.");
        if (engineers.Distinct().Count() != engineers.Count) throw new InvalidValueException("duplicate_engineer", "An engineer appears twice in the rotation.");
        if (engineers.Where(e => !eligibleEngineers.Contains(e)).Select(e => (Guid?)e).FirstOrDefault() is { } stranger)
            throw new InvalidValueException("not_an_engineer", $"User {stranger} is not an engineer (MspEngineer or MspLead) of this MSP.");
        // Stored by its IANA name even when given a Windows one ("W. Europe Standard Time" is Europe/Berlin): the pages, the
        // browser's Intl and a zone database elsewhere read IANA names.
        TimeZoneId = zone.HasIanaId ? zone.Id : TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana) ? iana : zone.Id;
        HandoffDay = handoffDay;
        HandoffTime = handoffTime;
        StartsOn = startsOn;
        Engineers = [.. engineers];
        UpdatedAt = now;
    }

    /// <summary>Gives the shift [from, to) to <paramref name="userId"/>; refused if it overlaps another override.</summary>
    public OnCallOverride AddOverride(Guid userId, DateTimeOffset from, DateTimeOffset to, IReadOnlySet<Guid> eligibleEngineers, Guid byId, DateTimeOffset now)
    {
        // Kept in UTC whatever offset the caller wrote (PostgreSQL takes no other; SQLite would order by the local clock).
        (from, to) = (from.ToUniversalTime(), to.ToUniversalTime());
        if (to <= from) throw new InvalidValueException("invalid_shift", "An override must end after it starts.");
        if (to - from > TimeSpan.FromDays(31)) throw new InvalidValueException("invalid_shift", "An override covers at most 31 days.");
        if (!eligibleEngineers.Contains(userId)) throw new InvalidValueException("not_an_engineer", $"User {userId} is not an engineer (MspEngineer or MspLead) of this MSP.");
        if (_overrides.FirstOrDefault(o => o.From < to && from < o.To) is { } clash)
            throw new DomainRuleException("override_overlaps", $"The shift overlaps the override {clash.From:u} – {clash.To:u}; remove that one first.");
        if (_overrides.Count >= MaxOverrides) throw new DomainRuleException("too_many_overrides", $"A rotation holds at most {MaxOverrides} overrides; remove past ones.");
        var added = new OnCallOverride(Guid.NewGuid(), Id, userId, from, to, byId, now);
        _overrides.Add(added);
        UpdatedAt = now;
        return added;
    }

    public void RemoveOverride(Guid overrideId, DateTimeOffset now)
    {
        var existing = _overrides.FirstOrDefault(o => o.Id == overrideId) ?? throw new NotFoundException("override", overrideId);
        _overrides.Remove(existing);
        UpdatedAt = now;
    }

    /// <summary>
    /// Someone who left the MSP: out of the rotation's order and their shifts to come (past ones stay as the record), so that an
    /// escalation to "on call" never names a person nobody can mail. The only engineer of the rotation is refused: the lead puts
    /// someone else in first. False when they were in neither.
    /// </summary>
    public bool Drop(Guid userId, DateTimeOffset now)
    {
        var inOrder = Engineers.Contains(userId);
        if (inOrder && Engineers.Count == 1)
            throw new DomainRuleException("last_on_call_engineer", "They are the only engineer in the on-call rotation: put someone else in the rotation first.");
        var shifts = _overrides.Where(o => o.UserId == userId && o.To > now).ToList();
        if (!inOrder && shifts.Count == 0) return false;
        if (inOrder) Engineers = [.. Engineers.Where(e => e != userId)];
        foreach (var shift in shifts) _overrides.Remove(shift);
        UpdatedAt = now;
        return true;
    }

    /// <summary>Who is on call at <paramref name="at"/>: an override covering it, else the engineer whose week it is.</summary>
    public Guid OnCallAt(DateTimeOffset at)
    {
        if (_overrides.FirstOrDefault(o => o.From <= at && at < o.To) is { } shift) return shift.UserId;
        var week = WeekAt(at);
        var n = Engineers.Count;
        return Engineers[(int)(((week % n) + n) % n)];
    }

    /// <summary>The instant the shift holding <paramref name="at"/> ends (the next hand-off, or the end of the override), for display.</summary>
    public DateTimeOffset ShiftEndsAfter(DateTimeOffset at)
    {
        if (_overrides.FirstOrDefault(o => o.From <= at && at < o.To) is { } shift) return shift.To;
        var next = HandoffInstant(WeekAt(at) + 1);
        var overrideStart = _overrides.Where(o => o.From > at && o.From < next).Select(o => (DateTimeOffset?)o.From).Min();
        return overrideStart ?? next;
    }

    /// <summary>The number of the week (0 = the week of <see cref="StartsOn"/>, negative before it) whose hand-off is the last one at or before <paramref name="at"/>.</summary>
    public long WeekAt(DateTimeOffset at)
    {
        var week = (long)Math.Floor((at - HandoffInstant(0)).TotalDays / 7);
        // The estimate is at most one week off (a daylight-saving shift moves a hand-off by an hour); settle it on the real instants.
        while (HandoffInstant(week) > at) week--;
        while (HandoffInstant(week + 1) <= at) week++;
        return week;
    }

    /// <summary>The instant of week <paramref name="week"/>'s hand-off: the wall-clock time in the zone, on the hand-off day.</summary>
    public DateTimeOffset HandoffInstant(long week)
    {
        var zone = FindZone(TimeZoneId);
        var first = StartsOn.AddDays(-(((int)StartsOn.DayOfWeek - (int)HandoffDay + 7) % 7)); // the hand-off day on or before StartsOn
        var local = first.ToDateTime(HandoffTime, DateTimeKind.Unspecified).AddDays(7 * week);
        return ToInstant(local, zone);
    }

    /// <summary>A wall-clock time in a zone as an instant: in a skipped hour, when the clocks jump; in a repeated hour, its first occurrence.</summary>
    public static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        if (zone.IsInvalidTime(local))
        {
            var after = local;
            while (zone.IsInvalidTime(after)) after = after.AddMinutes(1);
            after = new DateTime(after.Year, after.Month, after.Day, after.Hour, after.Minute, 0, DateTimeKind.Unspecified);
            return new DateTimeOffset(after, zone.GetUtcOffset(after));
        }
        if (zone.IsAmbiguousTime(local)) return new DateTimeOffset(local, zone.GetAmbiguousTimeOffsets(local).Max());
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>
    /// How far from today a rotation's start, an override or an "on call at" question may lie. Further is a typing mistake, and the
    /// calendar arithmetic of hand-offs and zones overflows near year 1 and year 9999 (it was a 500).
    /// </summary>
    public const int YearsWithinReach = 10;

    public static bool IsWithinReach(DateTimeOffset at, DateTimeOffset now) => at >= now.AddYears(-YearsWithinReach) && at <= now.AddYears(YearsWithinReach);

    public static bool IsWithinReach(DateOnly day, DateTimeOffset now) => IsWithinReach(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), now);

    public static TimeZoneInfo FindZone(string? timeZoneId)
    {
        if (string.IsNullOrWhiteSpace(timeZoneId)) throw new InvalidValueException("invalid_time_zone", "A time zone is required, e.g. Europe/Berlin.");
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(timeZoneId.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new InvalidValueException("invalid_time_zone", $"'{timeZoneId}' is not a known IANA time zone (e.g. Europe/Berlin).");
        }
    }
}
