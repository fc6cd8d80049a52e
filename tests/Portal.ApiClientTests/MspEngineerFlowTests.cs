using Portal.ApiClient;

namespace Portal.ApiClientTests;

/// <summary>An MSP engineer's tooling drives an incident through the generated client only, with the API's optimistic concurrency.</summary>
public sealed class MspEngineerFlowTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_engineer_opens_acknowledges_assigns_moves_and_notes_an_incident()
    {
        var maya = await Clients.ForAsync(app, DemoDirectory.Maya);
        var nwa = app.Demo.TenantId(DemoDirectory.Northwind);
        var sam = app.Demo.User(DemoDirectory.Sam).Id;

        var opened = await maya.CreateIncidentAsync(nwa, new CreateIncidentBody
        {
            Title = "Sensor update boot loop", Severity = Severity.Sev1, CustomerSummary = "Some laptops restart in a loop.",
        }, cancellationToken: Ct);
        opened.Status.ShouldBe(IncidentStatus.New);
        opened.Severity.ShouldBe(Severity.Sev1);
        opened.TenantId.ShouldBe(nwa);
        opened.NextStatuses.ShouldBe([IncidentStatus.Acknowledged]);

        var acknowledged = await maya.AcknowledgeIncidentAsync(opened.Id, if_Match: Clients.IfMatch(opened.Version), cancellationToken: Ct);
        acknowledged.Status.ShouldBe(IncidentStatus.Acknowledged);
        acknowledged.AcknowledgedAt.ShouldNotBeNull();
        acknowledged.Version.ShouldBeGreaterThan(opened.Version);

        var assigned = await maya.AssignIncidentAsync(opened.Id, new AssignIncidentBody { AssigneeId = sam }, if_Match: Clients.IfMatch(acknowledged.Version), cancellationToken: Ct);
        assigned.Assignee.ShouldNotBeNull().Id.ShouldBe(sam);

        var investigating = await maya.ChangeIncidentStatusAsync(opened.Id,
            new ChangeIncidentStatusBody { Status = IncidentStatus.Investigating, CustomerMessage = "We are on it." }, if_Match: Clients.IfMatch(assigned.Version), cancellationToken: Ct);
        investigating.Status.ShouldBe(IncidentStatus.Investigating);

        var note = await maya.AddIncidentNoteAsync(opened.Id, new AddIncidentNoteBody { Text = "Safe mode works on the HP fleet.", Visibility = NoteVisibility.Internal }, cancellationToken: Ct);
        note.Visibility.ShouldBe(NoteVisibility.Internal);
        note.Kind.ShouldBe(TimelineEntryKind.Note);

        var read = await maya.GetIncidentAsync(opened.Id, cancellationToken: Ct);
        read.Status.ShouldBe(IncidentStatus.Investigating);
        read.Assignee!.Id.ShouldBe(sam);
        read.Version.ShouldBeGreaterThan(investigating.Version, "a note lengthens the timeline: an If-Match read before it is stale");
        var timeline = await maya.GetIncidentTimelineAsync(opened.Id, cancellationToken: Ct);
        timeline.Select(e => e.Kind).ShouldBe([TimelineEntryKind.Opened, TimelineEntryKind.Acknowledged, TimelineEntryKind.Assigned,
            TimelineEntryKind.StatusChanged, TimelineEntryKind.Note]);

        var listed = await maya.ListIncidentsAsync(tenantId: nwa, q: "Sensor update boot loop", cancellationToken: Ct);
        listed.Items.ShouldContain(i => i.Id == opened.Id);
    }

    [Fact]
    public async Task A_stale_if_match_and_a_second_acknowledgement_come_back_as_409_with_their_codes()
    {
        var maya = await Clients.ForAsync(app, DemoDirectory.Maya);
        var sam = await Clients.ForAsync(app, DemoDirectory.Sam);
        var opened = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind),
            new CreateIncidentBody { Title = "Two engineers, one incident", Severity = Severity.Sev3 }, cancellationToken: Ct);

        var first = await maya.AcknowledgeIncidentAsync(opened.Id, cancellationToken: Ct);
        (await Clients.RefusedAsync(() => sam.AcknowledgeIncidentAsync(opened.Id, cancellationToken: Ct)))
            .ShouldBe((409, "already_acknowledged"));

        // Sam still holds the version he read before Maya acknowledged: his change is refused, nothing is overwritten.
        (await Clients.RefusedAsync(() => sam.ChangeIncidentStatusAsync(opened.Id, new ChangeIncidentStatusBody { Status = IncidentStatus.Resolved },
            if_Match: Clients.IfMatch(opened.Version), cancellationToken: Ct))).ShouldBe((409, "stale_version"));
        (await maya.GetIncidentAsync(opened.Id, cancellationToken: Ct)).Version.ShouldBe(first.Version);

        (await Clients.RefusedAsync(() => sam.ChangeIncidentStatusAsync(opened.Id, new ChangeIncidentStatusBody { Status = IncidentStatus.Closed },
            if_Match: Clients.IfMatch(first.Version), cancellationToken: Ct))).ShouldBe((409, "transition_not_allowed"));
    }
}
