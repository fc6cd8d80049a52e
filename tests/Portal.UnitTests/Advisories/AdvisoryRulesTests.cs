using Portal.Domain;
using Shouldly;

namespace Portal.UnitTests.Advisories;

/// <summary>The advisory's own rules about its targets' acknowledgements.</summary>
public sealed class AdvisoryRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);
    private static readonly Actor Engineer = new(Guid.NewGuid(), "Maya Chen", TenantAccess.Msp);

    private static Advisory Acknowledged(AdvisoryStatus status, out AdvisoryTarget target)
    {
        var advisory = Advisory.Publish(Guid.NewGuid(), new AdvisoryContent("Sensor 7.11 boot loop", Severity.Sev1, "Hosts fail to start.", null, [Guid.NewGuid()], []),
            status, Guid.NewGuid(), "Priya Raman", Now);
        advisory.Retarget([Guid.NewGuid()], Now);
        target = advisory.Targets.ShouldHaveSingleItem();
        target.Acknowledge(Engineer, Now).ShouldBeTrue();
        return advisory;
    }

    [Fact]
    public void Reopening_a_resolved_advisory_asks_every_target_again()
    {
        var advisory = Acknowledged(AdvisoryStatus.Investigating, out var target);
        advisory.PostUpdate(AdvisoryStatus.Resolved, "Fixed by 7.12.", Guid.NewGuid(), "Priya Raman", Now.AddHours(1));
        target.IsAcknowledged.ShouldBeTrue("resolving is not news that needs acknowledging");

        advisory.PostUpdate(AdvisoryStatus.Investigating, "7.12 boot loops too.", Guid.NewGuid(), "Priya Raman", Now.AddHours(2));

        target.IsAcknowledged.ShouldBeFalse();
        target.AcknowledgedByName.ShouldBeNull();
        target.Acknowledge(Engineer, Now.AddHours(3)).ShouldBeTrue();
        target.AcknowledgedAt.ShouldBe(Now.AddHours(3));
    }

    [Theory]
    [InlineData(AdvisoryStatus.Investigating, AdvisoryStatus.Mitigating)]
    [InlineData(AdvisoryStatus.Monitoring, AdvisoryStatus.Resolved)]
    [InlineData(AdvisoryStatus.Resolved, AdvisoryStatus.Resolved)]
    public void An_update_that_does_not_reopen_keeps_the_acknowledgements(AdvisoryStatus from, AdvisoryStatus to)
    {
        var advisory = Acknowledged(from, out var target);

        advisory.PostUpdate(to, "More news.", Guid.NewGuid(), "Priya Raman", Now.AddHours(1));

        target.IsAcknowledged.ShouldBeTrue();
        target.AcknowledgedAt.ShouldBe(Now);
    }

    [Fact]
    public void A_linked_incident_comes_back_only_if_it_was_resolved_before_the_latest_reopening_and_the_advisory_is_open()
    {
        var advisory = Acknowledged(AdvisoryStatus.Investigating, out _);
        var resolvedEarly = Now.AddMinutes(30);
        advisory.BringsBack(IncidentStatus.Resolved, resolvedEarly).ShouldBeFalse("never reopened");
        advisory.PostUpdate(AdvisoryStatus.Resolved, "Fixed by 7.12.", Guid.NewGuid(), "Priya Raman", Now.AddHours(1));
        advisory.BringsBack(IncidentStatus.Resolved, resolvedEarly).ShouldBeFalse("resolved, not reopened");

        advisory.PostUpdate(AdvisoryStatus.Investigating, "7.12 boot loops too.", Guid.NewGuid(), "Priya Raman", Now.AddHours(2));

        advisory.ReopenedAt.ShouldBe(Now.AddHours(2));
        advisory.BringsBack(IncidentStatus.Resolved, resolvedEarly).ShouldBeTrue();
        advisory.BringsBack(IncidentStatus.Resolved, Now.AddHours(3)).ShouldBeFalse("resolved after the reopening: knowingly");
        advisory.BringsBack(IncidentStatus.Resolved, Now.AddHours(2)).ShouldBeFalse("resolved at the moment of the reopening: not before it");
        advisory.BringsBack(IncidentStatus.Monitoring, resolvedEarly).ShouldBeFalse("open again already: nothing to bring back");
        advisory.BringsBack(IncidentStatus.Closed, resolvedEarly).ShouldBeFalse("closed: a fan-out opens a new one instead");
        advisory.BringsBack(IncidentStatus.Resolved, null).ShouldBeFalse();
        advisory.PostUpdate(AdvisoryStatus.Mitigating, "7.13 is rolling out.", Guid.NewGuid(), "Priya Raman", Now.AddHours(4));
        advisory.ReopenedAt.ShouldBe(Now.AddHours(2), "only a reopening moves it");
        advisory.PostUpdate(AdvisoryStatus.Resolved, "Fixed by 7.13.", Guid.NewGuid(), "Priya Raman", Now.AddHours(5));
        advisory.BringsBack(IncidentStatus.Resolved, resolvedEarly).ShouldBeFalse("resolved again: nothing to reopen for");
    }

    [Fact]
    public void A_linked_incident_resolved_before_the_reopening_moves_back_to_investigating_in_the_providers_name()
    {
        var advisory = Acknowledged(AdvisoryStatus.Investigating, out _);
        var incident = Resolved(Incident.OpenFromAdvisory(Guid.NewGuid(), 3, "NWA", advisory, "Sentinel Shield Security", Engineer, Now), Now.AddMinutes(30));
        var other = Resolved(Incident.OpenFromAdvisory(Guid.NewGuid(), 4, "NWA", Acknowledged(AdvisoryStatus.Investigating, out _), "Sentinel Shield Security", Engineer, Now), Now.AddMinutes(30));
        incident.ReopenWith(advisory, "Sentinel Shield Security", Engineer, Now.AddHours(1)).ShouldBeFalse("the advisory was never reopened");
        incident.Status.ShouldBe(IncidentStatus.Resolved);
        advisory.PostUpdate(AdvisoryStatus.Resolved, "Fixed by 7.12.", Guid.NewGuid(), "Priya Raman", Now.AddHours(1));
        advisory.PostUpdate(AdvisoryStatus.Investigating, "7.12 boot loops too.", Guid.NewGuid(), "Priya Raman", Now.AddHours(2));

        incident.ReopenWith(advisory, "Sentinel Shield Security", Engineer, Now.AddHours(3)).ShouldBeTrue();

        incident.Status.ShouldBe(IncidentStatus.Investigating);
        incident.Timeline.Last().Text.ShouldBe("Status changed from Resolved to Investigating: Sentinel Shield Security reopened the advisory");
        incident.Timeline.Last().Visibility.ShouldBe(NoteVisibility.Customer);
        incident.ReopenWith(advisory, "Sentinel Shield Security", Engineer, Now.AddHours(4)).ShouldBeFalse("open again: a second fan-out leaves it");
        Should.Throw<InvalidOperationException>(() => other.ReopenWith(advisory, "Sentinel Shield Security", Engineer, Now.AddHours(3)))
            .Message.ShouldContain("linked advisory");
        other.Status.ShouldBe(IncidentStatus.Resolved);
    }

    private static Incident Resolved(Incident incident, DateTimeOffset at)
    {
        incident.Acknowledge(Engineer, at);
        incident.ChangeStatus(IncidentStatus.Investigating, null, Engineer, at);
        incident.ChangeStatus(IncidentStatus.Resolved, null, Engineer, at);
        incident.ResolvedAt.ShouldBe(at);
        return incident;
    }
}
