using Portal.Domain;
using Shouldly;

namespace Portal.UnitTests.Escalations;

/// <summary>Policies, contract tightening and the incident's escalation clock, per severity and level.</summary>
public sealed class EscalationPolicyTests
{
    private static readonly Guid Msp = Guid.NewGuid(), Lead = Guid.NewGuid(), Engineer = Guid.NewGuid();
    private static readonly IReadOnlySet<Guid> Members = new HashSet<Guid> { Lead, Engineer };
    private static readonly DateTimeOffset T0 = new(2026, 3, 29, 0, 30, 0, TimeSpan.Zero);
    private static readonly Actor Maya = new(Engineer, "Maya Chen", TenantAccess.Msp);

    private static IReadOnlyList<SeverityTarget> Targets(int sev1Ack = 10) =>
        [new(Severity.Sev1, sev1Ack, 60), new(Severity.Sev2, 20, 120), new(Severity.Sev3, 60, 600), new(Severity.Sev4, 120, 1200)];

    private static EscalationLevel Level(EscalationKind kind, int after, bool onCall = false, Guid[]? users = null, Role[]? roles = null, string[]? channels = null) =>
        new(kind, 0, after, users ?? [], roles ?? [], onCall, channels ?? []);

    private static EscalationPlan DefaultPlan() => EscalationPlan.For(EscalationPolicy.Default(Msp), null);

    private static Incident Open(Severity severity, EscalationPlan plan)
    {
        var incident = Incident.Open(Guid.NewGuid(), 1, "NWA", "Kiosks offline", severity, null, Maya, T0);
        incident.PlanEscalations(plan);
        return incident;
    }

    [Theory]
    [InlineData(Severity.Sev1, 15, 240)]
    [InlineData(Severity.Sev2, 30, 480)]
    [InlineData(Severity.Sev3, 240, 4320)]
    [InlineData(Severity.Sev4, 1440, 10080)]
    public void The_default_policy_sets_due_times_per_severity(Severity severity, int ackMinutes, int resolveMinutes)
    {
        var incident = Open(severity, DefaultPlan());
        incident.AcknowledgeDueAt.ShouldBe(T0.AddMinutes(ackMinutes));
        incident.ResolveDueAt.ShouldBe(T0.AddMinutes(resolveMinutes));
        incident.NextEscalationAt.ShouldBe(T0.AddMinutes(ackMinutes)); // acknowledgement level 1 fires at the breach
        EscalationPolicy.Default(Msp).IsDefault.ShouldBeTrue();
    }

    [Fact]
    public void Levels_fire_in_order_then_the_resolution_ladder_and_each_entry_is_internal()
    {
        var plan = DefaultPlan();
        var incident = Open(Severity.Sev1, plan);
        var first = incident.NextEscalation(plan)!.Value;
        (first.Level.Kind, first.Level.Level, first.At).ShouldBe((EscalationKind.Acknowledge, 1, T0.AddMinutes(15)));
        Should.Throw<DomainRuleException>(() => incident.RecordEscalation(plan, first.Level, "x", T0.AddMinutes(14))).Code.ShouldBe("escalation_not_due");

        var entry = incident.RecordEscalation(plan, first.Level, "level 1", T0.AddMinutes(15));
        entry.Visibility.ShouldBe(NoteVisibility.Internal);
        entry.CustomerSequence.ShouldBeNull();
        entry.Kind.ShouldBe(TimelineEntryKind.Escalation);
        incident.AcknowledgeLevel.ShouldBe(1);
        incident.NextEscalationAt.ShouldBe(T0.AddMinutes(30)); // level 2: 15 minutes after the breach

        var second = incident.NextEscalation(plan)!.Value;
        second.Level.Roles.ShouldBe([Role.MspLead]);
        Should.Throw<DomainRuleException>(() => incident.RecordEscalation(plan, first.Level, "again", T0.AddMinutes(31)));
        incident.RecordEscalation(plan, second.Level, "level 2", T0.AddMinutes(31));
        incident.NextEscalationAt.ShouldBe(T0.AddMinutes(240)); // nothing more for acknowledgement; resolution level 1 at the breach
        incident.CustomerTimelineLength.ShouldBe(1); // only "Opened"
    }

    [Fact]
    public void Acknowledging_leaves_only_the_resolution_ladder_and_resolving_stops_the_clock()
    {
        var plan = DefaultPlan();
        var incident = Open(Severity.Sev2, plan);
        incident.Acknowledge(Maya, T0.AddMinutes(5));
        incident.PlanNextEscalation(plan); // what the save does after a status change
        incident.NextEscalationAt.ShouldBe(T0.AddMinutes(480));
        incident.ChangeStatus(IncidentStatus.Resolved, null, Maya, T0.AddMinutes(60));
        incident.PlanNextEscalation(plan);
        incident.NextEscalationAt.ShouldBeNull();
        incident.NextEscalation(plan).ShouldBeNull();
    }

    [Fact]
    public void A_severity_change_moves_the_due_times()
    {
        var plan = DefaultPlan();
        var incident = Open(Severity.Sev3, plan);
        incident.NextEscalationAt.ShouldBe(T0.AddMinutes(240));
        incident.ChangeSeverity(Severity.Sev1, Maya, T0.AddMinutes(3));
        incident.PlanEscalations(plan);
        incident.AcknowledgeDueAt.ShouldBe(T0.AddMinutes(15));
        incident.NextEscalationAt.ShouldBe(T0.AddMinutes(15));
        incident.Timeline.Last().Visibility.ShouldBe(NoteVisibility.Customer);
        incident.Timeline.Last().Text.ShouldBe("Severity changed from Sev3 to Sev1");
    }

    [Fact]
    public void A_target_already_reached_keeps_its_due_time_when_the_severity_changes_later()
    {
        var plan = DefaultPlan(); // Sev1: acknowledge 15 min, resolve 240; Sev3: 240 and 4320

        // Acknowledged late as a Sev1, then downgraded: still late.
        var late = Open(Severity.Sev1, plan);
        late.Acknowledge(Maya, T0.AddMinutes(20));
        late.ChangeSeverity(Severity.Sev3, Maya, T0.AddMinutes(25));
        late.PlanEscalations(plan);
        late.AcknowledgeDueAt.ShouldBe(T0.AddMinutes(15));
        late.ResolveDueAt.ShouldBe(T0.AddMinutes(4320), "not resolved yet: the resolution target follows the severity");

        // Acknowledged in time as a Sev3, then raised: still in time, and the resolution clock is the Sev1's.
        var timely = Open(Severity.Sev3, plan);
        timely.Acknowledge(Maya, T0.AddMinutes(20));
        timely.ChangeSeverity(Severity.Sev1, Maya, T0.AddMinutes(25));
        timely.PlanEscalations(plan);
        timely.AcknowledgeDueAt.ShouldBe(T0.AddMinutes(240));
        timely.ResolveDueAt.ShouldBe(T0.AddMinutes(240));
        timely.NextEscalationAt.ShouldBe(T0.AddMinutes(240));
    }

    [Fact]
    public void A_policy_changed_under_a_running_clock_moves_its_next_level_and_not_its_targets()
    {
        var incident = Open(Severity.Sev1, DefaultPlan()); // acknowledge within 15 min
        var policy = EscalationPolicy.Default(Msp);
        policy.Replace(Targets(sev1Ack: 30), [Level(EscalationKind.Acknowledge, 5, onCall: true)], Members, Lead, "Liam", T0.AddMinutes(2));
        incident.PlanNextEscalation(EscalationPlan.For(policy, null));
        incident.AcknowledgeDueAt.ShouldBe(T0.AddMinutes(15));
        incident.ResolveDueAt.ShouldBe(T0.AddMinutes(240));
        incident.NextEscalationAt.ShouldBe(T0.AddMinutes(20), "the new policy's only level, five minutes after the target the incident has");
    }

    [Fact]
    public void A_stored_policy_numbers_its_levels_and_refuses_what_it_cannot_hold()
    {
        var policy = EscalationPolicy.Default(Msp);
        policy.Replace(Targets(), [Level(EscalationKind.Acknowledge, 0, onCall: true), Level(EscalationKind.Resolve, 0, roles: [Role.MspLead]),
            Level(EscalationKind.Acknowledge, 5, users: [Lead], channels: ["ops-bridge"])], Members, Lead, "Liam", T0);
        policy.IsDefault.ShouldBeFalse();
        policy.LevelsOf(EscalationKind.Acknowledge).Select(l => (l.Level, l.AfterMinutes)).ShouldBe([(1, 0), (2, 5)]);
        policy.LevelsOf(EscalationKind.Resolve).Single().Level.ShouldBe(1);

        void Refused(string code, IReadOnlyList<SeverityTarget> targets, params EscalationLevel[] levels) =>
            Should.Throw<InvalidValueException>(() => policy.Replace(targets, levels, Members, Lead, "Liam", T0)).Code.ShouldBe(code);
        Refused("levels_not_ascending", Targets(), Level(EscalationKind.Acknowledge, 10, onCall: true), Level(EscalationKind.Acknowledge, 10, onCall: true));
        Refused("levels_not_ascending", Targets(), Level(EscalationKind.Acknowledge, 10, onCall: true), Level(EscalationKind.Acknowledge, 5, onCall: true));
        Refused("invalid_minutes", Targets(), Level(EscalationKind.Acknowledge, -1, onCall: true));
        Refused("invalid_minutes", Targets(sev1Ack: 0));
        Refused("invalid_targets", Targets().Skip(1).ToList());
        Refused("resolve_before_acknowledge", [new(Severity.Sev1, 90, 60), .. Targets().Skip(1)]);
        Refused("not_an_msp_member", Targets(), Level(EscalationKind.Acknowledge, 0, users: [Guid.NewGuid()]));
        Refused("invalid_role", Targets(), Level(EscalationKind.Acknowledge, 0, roles: [Role.CustomerAdmin]));
        Refused("invalid_channel", Targets(), Level(EscalationKind.Acknowledge, 0, channels: ["Ops Bridge!"]));
        Refused("empty_level", Targets(), Level(EscalationKind.Resolve, 0));
        policy.LevelsOf(EscalationKind.Acknowledge).Count().ShouldBe(2); // unchanged by the refusals
        policy.TargetFor(Severity.Sev1).AcknowledgeMinutes.ShouldBe(10);
    }

    [Fact]
    public void A_contract_may_tighten_the_targets_for_its_tenant_and_never_loosen_them()
    {
        var policy = EscalationPolicy.Default(Msp);
        var contract = new MspContract(Guid.NewGuid(), Msp, Guid.NewGuid(), T0.AddDays(-30));
        Should.Throw<DomainRuleException>(() => contract.TightenTargets([new(Severity.Sev1, 20, 240)], policy)).Code.ShouldBe("looser_than_policy");
        Should.Throw<DomainRuleException>(() => contract.TightenTargets([new(Severity.Sev1, 15, 241)], policy)).Code.ShouldBe("looser_than_policy");
        Should.Throw<InvalidValueException>(() => contract.TightenTargets([new(Severity.Sev1, 0, 60)], policy)).Code.ShouldBe("invalid_minutes");
        contract.TightenedTargets.ShouldBeEmpty();

        contract.TightenTargets([new(Severity.Sev1, 5, 120)], policy);
        var plan = EscalationPlan.For(policy, contract);
        plan.TargetFor(Severity.Sev1).ShouldBe(new SeverityTarget(Severity.Sev1, 5, 120));
        plan.TargetFor(Severity.Sev2).ShouldBe(new SeverityTarget(Severity.Sev2, 30, 480)); // not named: the policy's
        Open(Severity.Sev1, plan).NextEscalationAt.ShouldBe(T0.AddMinutes(5));

        // A policy tightened later below the contract wins: the shorter of the two applies.
        policy.Replace([new(Severity.Sev1, 3, 100), .. Targets().Skip(1)], EscalationPolicy.DefaultLevels, Members, Lead, "Liam", T0);
        EscalationPlan.For(policy, contract).TargetFor(Severity.Sev1).ShouldBe(new SeverityTarget(Severity.Sev1, 3, 100));
    }
}
