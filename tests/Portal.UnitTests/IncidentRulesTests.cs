using Portal.Domain;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>Who may do what to an incident, and what the incident refuses to hold.</summary>
public sealed class IncidentRulesTests
{
    private static readonly DateTimeOffset T0 = new(2024, 7, 19, 4, 9, 0, TimeSpan.Zero);
    private static readonly Actor Engineer = new(Guid.NewGuid(), "Maya Chen", TenantAccess.Msp);
    private static readonly Actor Customer = new(Guid.NewGuid(), "Olivia Grant", TenantAccess.Customer);
    private static readonly Actor Stranger = new(Guid.NewGuid(), "Mallory", TenantAccess.None);

    private static Incident NewIncident() => Incident.Open(Guid.NewGuid(), 7, "NWA", "Kiosks offline", Severity.Sev2, null, Engineer, T0);

    [Fact]
    public void Opening_numbers_the_incident_and_records_who_opened_it()
    {
        var incident = NewIncident();
        incident.Reference.ShouldBe("NWA-7");
        incident.Status.ShouldBe(IncidentStatus.New);
        incident.CreatedById.ShouldBe(Engineer.UserId);
        var opened = incident.Timeline.ShouldHaveSingleItem();
        opened.Kind.ShouldBe(TimelineEntryKind.Opened);
        opened.Sequence.ShouldBe(1);
        opened.At.ShouldBe(T0);
        opened.ActorName.ShouldBe("Maya Chen");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_title_is_required(string title) =>
        Should.Throw<InvalidValueException>(() => Incident.Open(Guid.NewGuid(), 1, "NWA", title, Severity.Sev1, null, Engineer, T0)).Code.ShouldBe("empty_text");

    [Fact]
    public void A_title_longer_than_the_limit_is_refused()
    {
        Should.Throw<InvalidValueException>(() =>
            Incident.Open(Guid.NewGuid(), 1, "NWA", new string('x', Incident.TitleMaxLength + 1), Severity.Sev1, null, Engineer, T0)).Code.ShouldBe("text_too_long");
        Incident.Open(Guid.NewGuid(), 1, "NWA", new string('x', Incident.TitleMaxLength), Severity.Sev1, null, Engineer, T0).Title.Length.ShouldBe(Incident.TitleMaxLength);
    }

    [Fact]
    public void An_undefined_severity_or_status_is_refused()
    {
        Should.Throw<InvalidValueException>(() => Incident.Open(Guid.NewGuid(), 1, "NWA", "t", (Severity)9, null, Engineer, T0));
        Should.Throw<InvalidValueException>(() => NewIncident().ChangeStatus((IncidentStatus)42, null, Engineer, T0));
    }

    [Fact]
    public void Only_the_managing_msp_opens_acknowledges_assigns_and_moves_incidents()
    {
        Should.Throw<NotPermittedException>(() => Incident.Open(Guid.NewGuid(), 1, "NWA", "t", Severity.Sev1, null, Customer, T0));
        var incident = NewIncident();
        Should.Throw<NotPermittedException>(() => incident.Acknowledge(Customer, T0));
        Should.Throw<NotPermittedException>(() => incident.ChangeStatus(IncidentStatus.Acknowledged, null, Customer, T0));
        Should.Throw<NotPermittedException>(() => incident.AssignTo(Customer.UserId, Customer.DisplayName, Customer, T0));
        Should.Throw<NotPermittedException>(() => incident.Acknowledge(Stranger, T0));
        incident.Status.ShouldBe(IncidentStatus.New);
        incident.Timeline.Count.ShouldBe(1);
    }

    [Fact]
    public void Customers_write_customer_visible_comments_but_never_internal_notes()
    {
        var incident = NewIncident();
        var comment = incident.AddNote("Any news on the kiosks?", NoteVisibility.Customer, Customer, T0.AddMinutes(1));
        comment.Kind.ShouldBe(TimelineEntryKind.CustomerComment);
        comment.Visibility.ShouldBe(NoteVisibility.Customer);

        Should.Throw<NotPermittedException>(() => incident.AddNote("sneaky", NoteVisibility.Internal, Customer, T0.AddMinutes(2)));
        Should.Throw<NotPermittedException>(() => incident.AddNote("hello", NoteVisibility.Customer, Stranger, T0.AddMinutes(2)));
        incident.Timeline.Count.ShouldBe(2);
    }

    [Fact]
    public void The_msp_writes_internal_notes_and_customer_updates()
    {
        var incident = NewIncident();
        incident.AddNote("Vendor says delete the channel file", NoteVisibility.Internal, Engineer, T0.AddMinutes(1)).Visibility.ShouldBe(NoteVisibility.Internal);
        incident.AddNote("We are fixing the kiosks", NoteVisibility.Customer, Engineer, T0.AddMinutes(2)).Kind.ShouldBe(TimelineEntryKind.Note);
        incident.UpdatedAt.ShouldBe(T0.AddMinutes(2));
    }

    [Fact]
    public void Empty_or_oversize_notes_are_refused()
    {
        var incident = NewIncident();
        Should.Throw<InvalidValueException>(() => incident.AddNote(" ", NoteVisibility.Internal, Engineer, T0));
        Should.Throw<InvalidValueException>(() => incident.AddNote(new string('n', TimelineEntry.TextMaxLength + 1), NoteVisibility.Internal, Engineer, T0));
        incident.Timeline.Count.ShouldBe(1);
    }

    [Fact]
    public void Assigning_records_the_change_and_the_same_assignee_twice_records_nothing()
    {
        var incident = NewIncident();
        incident.AssignTo(Engineer.UserId, Engineer.DisplayName, Engineer, T0.AddMinutes(1));
        incident.AssigneeName.ShouldBe("Maya Chen");
        incident.Timeline.Last().Text.ShouldBe("Assigned to Maya Chen");
        incident.AssignTo(Engineer.UserId, Engineer.DisplayName, Engineer, T0.AddMinutes(2));
        incident.Timeline.Count.ShouldBe(2);
        incident.AssignTo(null, null, Engineer, T0.AddMinutes(3));
        incident.AssigneeId.ShouldBeNull();
        incident.Timeline.Last().Text.ShouldBe("Unassigned");
    }

    [Fact]
    public void A_stale_version_is_refused_with_both_versions()
    {
        var incident = NewIncident();
        incident.EnsureVersion(null);
        incident.EnsureVersion(0);
        var stale = Should.Throw<StaleVersionException>(() => incident.EnsureVersion(3));
        stale.Expected.ShouldBe(3);
        stale.Current.ShouldBe(0);
        stale.Code.ShouldBe("stale_version");
    }

    [Fact]
    public void A_closed_incident_takes_no_remediation_summary()
    {
        var engineer = new Actor(Guid.NewGuid(), "Maya Chen", TenantAccess.Msp);
        var at = new DateTimeOffset(2024, 7, 19, 4, 9, 0, TimeSpan.Zero);
        var incident = Incident.Open(Guid.NewGuid(), 1, "NWA", "Kiosks", Severity.Sev2, null, engineer, at);
        incident.Acknowledge(engineer, at.AddMinutes(1));
        incident.ChangeStatus(IncidentStatus.Resolved, null, engineer, at.AddMinutes(2));
        incident.RecordRemediation("A late result on a resolved incident is taken.", engineer, at.AddMinutes(3));
        incident.ChangeStatus(IncidentStatus.Closed, null, engineer, at.AddMinutes(4));
        Should.Throw<DomainRuleException>(() => incident.RecordRemediation("Imported 10 devices", engineer, at.AddMinutes(5))).Code.ShouldBe("incident_closed");
    }
}
