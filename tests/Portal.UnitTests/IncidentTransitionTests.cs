using Portal.Domain;
using Shouldly;

namespace Portal.UnitTests;

public sealed class IncidentTransitionTests
{
    private static readonly DateTimeOffset T0 = new(2024, 7, 19, 4, 9, 0, TimeSpan.Zero);
    private static readonly Actor Engineer = new(Guid.NewGuid(), "Maya Chen", TenantAccess.Msp);
    private static readonly Actor Customer = new(Guid.NewGuid(), "Olivia Grant", TenantAccess.Customer);

    /// <summary>The documented transitions, written out independently of Incident.Transitions so a change to either is caught.</summary>
    private static readonly HashSet<(IncidentStatus From, IncidentStatus To)> Documented =
    [
        (IncidentStatus.New, IncidentStatus.Acknowledged),
        (IncidentStatus.Acknowledged, IncidentStatus.Investigating),
        (IncidentStatus.Acknowledged, IncidentStatus.Mitigating),
        (IncidentStatus.Acknowledged, IncidentStatus.Resolved),
        (IncidentStatus.Investigating, IncidentStatus.Mitigating),
        (IncidentStatus.Investigating, IncidentStatus.Monitoring),
        (IncidentStatus.Investigating, IncidentStatus.Resolved),
        (IncidentStatus.Mitigating, IncidentStatus.Investigating),
        (IncidentStatus.Mitigating, IncidentStatus.Monitoring),
        (IncidentStatus.Mitigating, IncidentStatus.Resolved),
        (IncidentStatus.Monitoring, IncidentStatus.Investigating),
        (IncidentStatus.Monitoring, IncidentStatus.Mitigating),
        (IncidentStatus.Monitoring, IncidentStatus.Resolved),
        (IncidentStatus.Resolved, IncidentStatus.Closed),
        (IncidentStatus.Resolved, IncidentStatus.Investigating),
    ];

    /// <summary>A route from New to each status through documented transitions only.</summary>
    private static readonly Dictionary<IncidentStatus, IncidentStatus[]> PathTo = new()
    {
        [IncidentStatus.New] = [],
        [IncidentStatus.Acknowledged] = [IncidentStatus.Acknowledged],
        [IncidentStatus.Investigating] = [IncidentStatus.Acknowledged, IncidentStatus.Investigating],
        [IncidentStatus.Mitigating] = [IncidentStatus.Acknowledged, IncidentStatus.Mitigating],
        [IncidentStatus.Monitoring] = [IncidentStatus.Acknowledged, IncidentStatus.Investigating, IncidentStatus.Monitoring],
        [IncidentStatus.Resolved] = [IncidentStatus.Acknowledged, IncidentStatus.Resolved],
        [IncidentStatus.Closed] = [IncidentStatus.Acknowledged, IncidentStatus.Resolved, IncidentStatus.Closed],
    };

    public static TheoryData<IncidentStatus, IncidentStatus> EveryPair()
    {
        var data = new TheoryData<IncidentStatus, IncidentStatus>();
        foreach (var from in Enum.GetValues<IncidentStatus>())
            foreach (var to in Enum.GetValues<IncidentStatus>())
                data.Add(from, to);
        return data;
    }

    private static Incident NewIncident() =>
        Incident.Open(Guid.NewGuid(), 42, "NWA", "Devices boot-looping", Severity.Sev1, "Blue screens", Engineer, T0);

    private static Incident At(IncidentStatus status)
    {
        var incident = NewIncident();
        var now = T0;
        foreach (var step in PathTo[status])
        {
            now = now.AddMinutes(1);
            incident.ChangeStatus(step, null, Engineer, now);
        }
        incident.Status.ShouldBe(status);
        return incident;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Every_transition_is_allowed_exactly_when_documented(IncidentStatus from, IncidentStatus to)
    {
        var incident = At(from);
        var entriesBefore = incident.Timeline.Count;
        var versionStamp = incident.UpdatedAt;

        if (Documented.Contains((from, to)))
        {
            incident.ChangeStatus(to, "Customer-facing reason", Engineer, versionStamp.AddMinutes(5));
            incident.Status.ShouldBe(to);
            incident.Timeline.Count.ShouldBe(entriesBefore + 1);
            var entry = incident.Timeline.Last();
            entry.FromStatus.ShouldBe(from);
            entry.ToStatus.ShouldBe(to);
            entry.ActorName.ShouldBe(Engineer.DisplayName);
            entry.Visibility.ShouldBe(NoteVisibility.Customer);
            entry.Text.ShouldContain("Customer-facing reason");
        }
        else
        {
            var refused = Should.Throw<DomainRuleException>(() => incident.ChangeStatus(to, null, Engineer, versionStamp.AddMinutes(5)));
            refused.Code.ShouldBe("transition_not_allowed");
            refused.Message.ShouldContain(from.ToString());
            incident.Status.ShouldBe(from);
            incident.Timeline.Count.ShouldBe(entriesBefore);
            incident.UpdatedAt.ShouldBe(versionStamp);
        }
    }

    [Fact]
    public void The_transition_table_is_the_documented_one()
    {
        var table = Incident.Transitions.SelectMany(kv => kv.Value.Select(to => (kv.Key, to))).ToHashSet();
        table.SetEquals(Documented).ShouldBeTrue();
        Incident.Transitions.Keys.ShouldBe(Enum.GetValues<IncidentStatus>(), ignoreOrder: true);
    }

    [Fact]
    public void Acknowledge_stamps_the_time_once_and_refuses_a_second_time()
    {
        var incident = NewIncident();
        incident.Acknowledge(Engineer, T0.AddMinutes(3));
        incident.Status.ShouldBe(IncidentStatus.Acknowledged);
        incident.AcknowledgedAt.ShouldBe(T0.AddMinutes(3));
        incident.Timeline.Last().Kind.ShouldBe(TimelineEntryKind.Acknowledged);

        Should.Throw<DomainRuleException>(() => incident.Acknowledge(Engineer, T0.AddMinutes(4))).Code.ShouldBe("already_acknowledged");
        incident.AcknowledgedAt.ShouldBe(T0.AddMinutes(3));
    }

    [Fact]
    public void Resolving_stamps_resolved_at_and_reopening_clears_it()
    {
        var incident = At(IncidentStatus.Resolved);
        incident.ResolvedAt.ShouldNotBeNull();
        incident.IsOpen.ShouldBeFalse();
        incident.ChangeStatus(IncidentStatus.Investigating, null, Engineer, T0.AddHours(1));
        incident.ResolvedAt.ShouldBeNull();
        incident.IsOpen.ShouldBeTrue();
    }

    [Fact]
    public void Closing_stamps_closed_at_and_nothing_follows()
    {
        var incident = At(IncidentStatus.Closed);
        incident.ClosedAt.ShouldNotBeNull();
        Incident.Transitions[IncidentStatus.Closed].ShouldBeEmpty();
        Should.Throw<DomainRuleException>(() => incident.AssignTo(Engineer.UserId, Engineer.DisplayName, Engineer, T0.AddHours(1)))
            .Code.ShouldBe("incident_closed");
    }

    [Fact]
    public void Timeline_sequence_numbers_increase_by_one()
    {
        var incident = At(IncidentStatus.Monitoring);
        incident.AddNote("Checked the kiosks", NoteVisibility.Internal, Engineer, T0.AddHours(2));
        incident.Timeline.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, incident.Timeline.Count));
        incident.TimelineLength.ShouldBe(incident.Timeline.Count);
    }
}
