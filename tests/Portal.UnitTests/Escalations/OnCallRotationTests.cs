using Portal.Domain;
using Shouldly;

namespace Portal.UnitTests.Escalations;

/// <summary>Who is on call at an instant: weekly hand-offs on the wall clock of an IANA zone, across daylight-saving changes, and overrides.</summary>
public sealed class OnCallRotationTests
{
    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid(), Stranger = Guid.NewGuid();
    private static readonly IReadOnlySet<Guid> Engineers = new HashSet<Guid> { A, B, C };
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static OnCallRotation Berlin(DayOfWeek day, int hour, int minute, DateOnly startsOn) =>
        new(Guid.NewGuid(), "Europe/Berlin", day, new TimeOnly(hour, minute), startsOn, [A, B, C], Engineers, Now);

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void Each_engineer_holds_one_week_from_the_hand_off_in_order_and_the_order_repeats()
    {
        // Monday 09:00 Berlin (CET, UTC+1 in winter): week 0 from Mon 5 Jan 2026 08:00 UTC is A's.
        var rotation = Berlin(DayOfWeek.Monday, 9, 0, new DateOnly(2026, 1, 7));
        rotation.OnCallAt(Utc(1, 5, 7, 59)).ShouldBe(C); // before the first hand-off: the week before, the last engineer's
        rotation.OnCallAt(Utc(1, 5, 8, 0)).ShouldBe(A);
        rotation.OnCallAt(Utc(1, 12, 7, 59)).ShouldBe(A);
        rotation.OnCallAt(Utc(1, 12, 8, 0)).ShouldBe(B);
        rotation.OnCallAt(Utc(1, 19, 8, 0)).ShouldBe(C);
        rotation.OnCallAt(Utc(1, 26, 8, 0)).ShouldBe(A);
        rotation.ShiftEndsAfter(Utc(1, 6, 12)).ShouldBe(Utc(1, 12, 8, 0));
    }

    [Fact]
    public void After_spring_forward_the_hand_off_stays_at_nine_local_which_is_an_hour_earlier_in_utc()
    {
        // Berlin goes to CEST (UTC+2) on Sun 29 Mar 2026. Week 0 = Mon 2 Mar; Mon 30 Mar is week 4 → B (4 mod 3 = 1), from 07:00 UTC.
        var rotation = Berlin(DayOfWeek.Monday, 9, 0, new DateOnly(2026, 3, 2));
        rotation.OnCallAt(Utc(3, 23, 8, 0)).ShouldBe(A);  // week 3, still winter time: 09:00 CET = 08:00 UTC
        rotation.OnCallAt(Utc(3, 30, 6, 59)).ShouldBe(A);
        rotation.OnCallAt(Utc(3, 30, 7, 0)).ShouldBe(B);  // 09:00 CEST; seven times 24 hours after the last hand-off would be 08:00 UTC
        rotation.HandoffInstant(4).ShouldBe(Utc(3, 30, 7, 0));
    }

    [Fact]
    public void After_fall_back_the_hand_off_stays_at_nine_local_which_is_an_hour_later_in_utc()
    {
        // Berlin returns to CET on Sun 25 Oct 2026. Mon 19 Oct 09:00 CEST = 07:00 UTC; Mon 26 Oct 09:00 CET = 08:00 UTC.
        var rotation = Berlin(DayOfWeek.Monday, 9, 0, new DateOnly(2026, 10, 19));
        rotation.OnCallAt(Utc(10, 19, 7, 0)).ShouldBe(A);
        rotation.OnCallAt(Utc(10, 26, 7, 30)).ShouldBe(A); // 08:30 CET: not yet nine
        rotation.OnCallAt(Utc(10, 26, 8, 0)).ShouldBe(B);
    }

    [Fact]
    public void A_hand_off_in_the_skipped_hour_happens_when_the_clocks_jump()
    {
        // Sunday 02:30 does not exist in Berlin on 29 Mar 2026 (02:00 CET → 03:00 CEST, at 01:00 UTC).
        var rotation = Berlin(DayOfWeek.Sunday, 2, 30, new DateOnly(2026, 3, 22));
        rotation.HandoffInstant(0).ShouldBe(Utc(3, 22, 1, 30)); // 02:30 CET
        rotation.HandoffInstant(1).ShouldBe(Utc(3, 29, 1, 0));
        rotation.OnCallAt(Utc(3, 29, 0, 59)).ShouldBe(A);
        rotation.OnCallAt(Utc(3, 29, 1, 0)).ShouldBe(B);
        rotation.HandoffInstant(2).ShouldBe(Utc(4, 5, 0, 30)); // 02:30 CEST the week after
    }

    [Fact]
    public void A_hand_off_in_the_repeated_hour_happens_at_its_first_occurrence_and_does_not_flip_back()
    {
        // Sunday 02:30 happens twice in Berlin on 25 Oct 2026: 00:30 UTC (CEST) and 01:30 UTC (CET).
        var rotation = Berlin(DayOfWeek.Sunday, 2, 30, new DateOnly(2026, 10, 18));
        rotation.OnCallAt(Utc(10, 25, 0, 29)).ShouldBe(A);
        rotation.OnCallAt(Utc(10, 25, 0, 30)).ShouldBe(B);
        rotation.OnCallAt(Utc(10, 25, 1, 10)).ShouldBe(B); // 02:10 local again, before "02:30": still B
        rotation.OnCallAt(Utc(10, 25, 1, 30)).ShouldBe(B);
        rotation.HandoffInstant(2).ShouldBe(Utc(11, 1, 1, 30)); // the next week at 02:30 CET
    }

    [Fact]
    public void Another_zone_follows_its_own_daylight_saving_dates()
    {
        // New York moves to EDT on 8 Mar 2026, Berlin three weeks later: Friday 17:00 New York is 22:00 UTC, then 21:00 UTC.
        var rotation = new OnCallRotation(Guid.NewGuid(), "America/New_York", DayOfWeek.Friday, new TimeOnly(17, 0), new DateOnly(2026, 3, 6), [A, B], new HashSet<Guid> { A, B }, Now);
        rotation.HandoffInstant(0).ShouldBe(Utc(3, 6, 22, 0));
        rotation.HandoffInstant(1).ShouldBe(Utc(3, 13, 21, 0));
        rotation.OnCallAt(Utc(3, 13, 20, 59)).ShouldBe(A);
        rotation.OnCallAt(Utc(3, 13, 21, 0)).ShouldBe(B);
    }

    [Fact]
    public void An_override_takes_its_shift_and_the_rotation_resumes_after_it()
    {
        var rotation = Berlin(DayOfWeek.Monday, 9, 0, new DateOnly(2026, 1, 5));
        rotation.AddOverride(C, Utc(1, 6, 18), Utc(1, 7, 6), Engineers, A, Now);
        rotation.OnCallAt(Utc(1, 6, 17, 59)).ShouldBe(A);
        rotation.OnCallAt(Utc(1, 6, 18)).ShouldBe(C);
        rotation.OnCallAt(Utc(1, 7, 5, 59)).ShouldBe(C);
        rotation.OnCallAt(Utc(1, 7, 6)).ShouldBe(A); // [from, to)
        rotation.ShiftEndsAfter(Utc(1, 6, 12)).ShouldBe(Utc(1, 6, 18));
    }

    [Fact]
    public void Overlapping_overrides_are_refused_and_adjacent_ones_are_not()
    {
        var rotation = Berlin(DayOfWeek.Monday, 9, 0, new DateOnly(2026, 1, 5));
        rotation.AddOverride(C, Utc(1, 6, 18), Utc(1, 7, 6), Engineers, A, Now);
        Should.Throw<DomainRuleException>(() => rotation.AddOverride(B, Utc(1, 7, 5), Utc(1, 7, 9), Engineers, A, Now)).Code.ShouldBe("override_overlaps");
        Should.Throw<DomainRuleException>(() => rotation.AddOverride(B, Utc(1, 6, 0), Utc(1, 8, 0), Engineers, A, Now)).Code.ShouldBe("override_overlaps");
        rotation.AddOverride(B, Utc(1, 7, 6), Utc(1, 7, 9), Engineers, A, Now);
        rotation.Overrides.Count.ShouldBe(2);
        rotation.OnCallAt(Utc(1, 7, 7)).ShouldBe(B);
    }

    [Fact]
    public void A_Windows_zone_name_is_kept_as_its_IANA_name()
    {
        var rotation = new OnCallRotation(Guid.NewGuid(), "W. Europe Standard Time", DayOfWeek.Monday, new TimeOnly(9, 0), new DateOnly(2026, 1, 5), [A], Engineers, Now);
        rotation.TimeZoneId.ShouldBe("Europe/Berlin");
    }

    [Fact]
    public void The_rotation_refuses_what_it_cannot_hold()
    {
        Should.Throw<InvalidValueException>(() => new OnCallRotation(Guid.NewGuid(), "Mars/Olympus", DayOfWeek.Monday, new TimeOnly(9, 0), new DateOnly(2026, 1, 5), [A], Engineers, Now)).Code.ShouldBe("invalid_time_zone");
        Should.Throw<InvalidValueException>(() => new OnCallRotation(Guid.NewGuid(), "Europe/Berlin", DayOfWeek.Monday, new TimeOnly(9, 0), new DateOnly(2026, 1, 5), [], Engineers, Now)).Code.ShouldBe("no_engineers");
        Should.Throw<InvalidValueException>(() => new OnCallRotation(Guid.NewGuid(), "Europe/Berlin", DayOfWeek.Monday, new TimeOnly(9, 0), new DateOnly(2026, 1, 5), [A, A], Engineers, Now)).Code.ShouldBe("duplicate_engineer");
        Should.Throw<InvalidValueException>(() => new OnCallRotation(Guid.NewGuid(), "Europe/Berlin", DayOfWeek.Monday, new TimeOnly(9, 0), new DateOnly(2026, 1, 5), [A, Stranger], Engineers, Now)).Code.ShouldBe("not_an_engineer");
        var rotation = Berlin(DayOfWeek.Monday, 9, 0, new DateOnly(2026, 1, 5));
        Should.Throw<InvalidValueException>(() => rotation.AddOverride(Stranger, Utc(1, 6, 0), Utc(1, 6, 8), Engineers, A, Now)).Code.ShouldBe("not_an_engineer");
        Should.Throw<InvalidValueException>(() => rotation.AddOverride(B, Utc(1, 6, 8), Utc(1, 6, 8), Engineers, A, Now)).Code.ShouldBe("invalid_shift");
    }
}
