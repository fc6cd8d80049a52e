using Portal.Domain;
using Portal.Features.Notifications;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>Which timeline entries tell the tenant's subscribers and its MSP's endpoints something (OutboxWriter.EventOf).</summary>
public sealed class WhichEntriesNotifyTests
{
    private static readonly DateTimeOffset T0 = new(2024, 7, 19, 4, 9, 0, TimeSpan.Zero);
    private static readonly Actor Engineer = new(Guid.NewGuid(), "Maya Chen", TenantAccess.Msp);
    private static readonly Actor Customer = new(Guid.NewGuid(), "Olivia Grant", TenantAccess.Customer);

    [Fact]
    public void Customer_visible_news_notifies_and_internal_notes_assignments_and_the_customers_own_comments_do_not()
    {
        var incident = Incident.Open(Guid.NewGuid(), 7, "NWA", "Kiosks offline", Severity.Sev2, "Gate B kiosks are down.", Engineer, T0);
        OutboxWriter.EventOf(incident.Timeline.Last()).ShouldBe(NotificationEvent.IncidentOpened);

        incident.ChangeCustomerSummary("Gate B is back; gate C still down.", Engineer, T0.AddMinutes(5));
        OutboxWriter.EventOf(incident.Timeline.Last()).ShouldBe(NotificationEvent.CustomerUpdate, "the status page's text changed");
        incident.AddNote("A fix is rolling out.", NoteVisibility.Customer, Engineer, T0.AddMinutes(6));
        OutboxWriter.EventOf(incident.Timeline.Last()).ShouldBe(NotificationEvent.CustomerUpdate);
        incident.Acknowledge(Engineer, T0.AddMinutes(7));
        OutboxWriter.EventOf(incident.Timeline.Last()).ShouldBe(NotificationEvent.IncidentStatusChanged);
        incident.ChangeSeverity(Severity.Sev1, Engineer, T0.AddMinutes(7.5));
        OutboxWriter.EventOf(incident.Timeline.Last()).ShouldBe(NotificationEvent.IncidentSeverityChanged, "a Sev2 that turns out a Sev1 is news");

        incident.AddNote("Vendor case 4711.", NoteVisibility.Internal, Engineer, T0.AddMinutes(8));
        OutboxWriter.EventOf(incident.Timeline.Last()).ShouldBeNull();
        incident.AssignTo(Engineer.UserId, Engineer.DisplayName, Engineer, T0.AddMinutes(9));
        OutboxWriter.EventOf(incident.Timeline.Last()).ShouldBeNull();
        incident.AddNote("Thanks.", NoteVisibility.Customer, Customer, T0.AddMinutes(10));
        OutboxWriter.EventOf(incident.Timeline.Last()).ShouldBeNull();
    }
}
