using System.Security.Claims;
using Portal.Domain;
using Portal.Features.Remediation;
using Portal.Infrastructure.Auth;
using Shouldly;

namespace Portal.UnitTests;

public sealed class RemediationRulesTests
{
    private static readonly DateTimeOffset T0 = new(2024, 7, 19, 4, 9, 0, TimeSpan.Zero);
    private static readonly Actor Engineer = new(Guid.NewGuid(), "Maya Chen", TenantAccess.Msp);
    private static readonly Actor Customer = new(Guid.NewGuid(), "Olivia Grant", TenantAccess.Customer);

    /// <summary>The documented task transitions, written out independently of RemediationTask.Transitions.</summary>
    private static readonly HashSet<(RemediationState From, RemediationState To)> Documented =
    [
        (RemediationState.Pending, RemediationState.InProgress), (RemediationState.Pending, RemediationState.Blocked), (RemediationState.Pending, RemediationState.Done),
        (RemediationState.Pending, RemediationState.Failed), (RemediationState.Pending, RemediationState.NotApplicable),
        (RemediationState.InProgress, RemediationState.Pending), (RemediationState.InProgress, RemediationState.Blocked), (RemediationState.InProgress, RemediationState.Done),
        (RemediationState.InProgress, RemediationState.Failed), (RemediationState.InProgress, RemediationState.NotApplicable),
        (RemediationState.Blocked, RemediationState.Pending), (RemediationState.Blocked, RemediationState.InProgress), (RemediationState.Blocked, RemediationState.Done),
        (RemediationState.Blocked, RemediationState.Failed), (RemediationState.Blocked, RemediationState.NotApplicable),
        (RemediationState.Failed, RemediationState.Pending), (RemediationState.Failed, RemediationState.InProgress), (RemediationState.Failed, RemediationState.Blocked),
        (RemediationState.Failed, RemediationState.Done), (RemediationState.Failed, RemediationState.NotApplicable),
        (RemediationState.Done, RemediationState.InProgress), (RemediationState.Done, RemediationState.Failed),
        (RemediationState.NotApplicable, RemediationState.Pending),
    ];

    /// <summary>How a new (Pending) task reaches each state through documented moves.</summary>
    private static readonly Dictionary<RemediationState, RemediationState[]> PathTo = new()
    {
        [RemediationState.Pending] = [],
        [RemediationState.InProgress] = [RemediationState.InProgress],
        [RemediationState.Blocked] = [RemediationState.Blocked],
        [RemediationState.Done] = [RemediationState.Done],
        [RemediationState.Failed] = [RemediationState.Failed],
        [RemediationState.NotApplicable] = [RemediationState.NotApplicable],
    };

    public static TheoryData<RemediationState, RemediationState> EveryPair()
    {
        var data = new TheoryData<RemediationState, RemediationState>();
        foreach (var from in Enum.GetValues<RemediationState>())
            foreach (var to in Enum.GetValues<RemediationState>())
                data.Add(from, to);
        return data;
    }

    private static string? ReasonFor(RemediationState s) => s is RemediationState.Blocked or RemediationState.Failed ? $"why {s}" : null;

    private static (Incident Incident, RemediationTask Task, RemediationProgress Progress) At(RemediationState state)
    {
        var incident = Incident.Open(Guid.NewGuid(), 1, "NWA", "Boot loops", Severity.Sev1, null, Engineer, T0);
        var device = Device.Register(incident.TenantId, "NWA-WS-0001", "rmm-1", "Windows 11", "HQ", ["workstation"], T0);
        var task = RemediationTask.ForDevice(incident, device, T0);
        var progress = new RemediationProgress(incident.Id, incident.TenantId, T0);
        progress.Added(task.State, 1, T0);
        foreach (var step in PathTo[state]) progress.Record(task.MoveTo(step, ReasonFor(step), Engineer, T0.AddMinutes(1))!);
        task.State.ShouldBe(state);
        return (incident, task, progress);
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Every_move_is_allowed_exactly_when_documented_and_keeps_the_counters(RemediationState from, RemediationState to)
    {
        var (_, task, progress) = At(from);
        var later = T0.AddHours(1);
        if (from == to)
        {
            task.MoveTo(to, ReasonFor(to), Engineer, later).ShouldBeNull("the same state (and reason) is no change");
            return;
        }
        if (Documented.Contains((from, to)))
        {
            var change = task.MoveTo(to, ReasonFor(to), Engineer, later).ShouldNotBeNull();
            (change.From, change.To, change.ActorName, change.At).ShouldBe((from, to, "Maya Chen", later));
            progress.Record(change);
            task.State.ShouldBe(to);
            progress.Count(to).ShouldBe(1);
            progress.Count(from).ShouldBe(0);
            progress.Total.ShouldBe(1);
        }
        else
        {
            var refused = Should.Throw<DomainRuleException>(() => task.MoveTo(to, ReasonFor(to), Engineer, later));
            refused.Code.ShouldBe("transition_not_allowed");
            task.State.ShouldBe(from, "a refused move changes nothing");
        }
        RemediationTask.CanMove(from, to).ShouldBe(Documented.Contains((from, to)));
    }

    [Fact]
    public void The_table_has_exactly_the_documented_moves() =>
        RemediationTask.Transitions.SelectMany(kv => kv.Value.Select(to => (kv.Key, to))).ToHashSet().SetEquals(Documented).ShouldBeTrue();

    [Theory]
    [InlineData(RemediationState.Blocked)]
    [InlineData(RemediationState.Failed)]
    public void Blocked_and_failed_need_a_reason_and_other_states_drop_it(RemediationState state)
    {
        var (_, task, _) = At(RemediationState.InProgress);
        Should.Throw<InvalidValueException>(() => task.MoveTo(state, "  ", Engineer, T0.AddHours(1))).Code.ShouldBe("reason_required");
        task.MoveTo(state, "No key", Engineer, T0.AddHours(1)).ShouldNotBeNull();
        task.Reason.ShouldBe("No key");
        task.MoveTo(state, "No key", Engineer, T0.AddHours(2)).ShouldBeNull("same state, same reason");
        task.MoveTo(state, "Still no key", Engineer, T0.AddHours(2)).ShouldNotBeNull("a new reason is a change");
        task.MoveTo(RemediationState.Pending, "ignored", Engineer, T0.AddHours(3)).ShouldNotBeNull();
        task.Reason.ShouldBeNull();
    }

    [Fact]
    public void Customers_cannot_move_or_assign_tasks()
    {
        var (_, task, _) = At(RemediationState.Pending);
        Should.Throw<NotPermittedException>(() => task.MoveTo(RemediationState.Done, null, Customer, T0));
        Should.Throw<NotPermittedException>(() => task.AssignTo(Guid.NewGuid(), "X", Customer, T0));
        task.State.ShouldBe(RemediationState.Pending);
    }

    [Fact]
    public void Counters_never_go_negative()
    {
        var (incident, task, progress) = At(RemediationState.Pending);
        var other = new RemediationProgress(incident.Id, incident.TenantId, T0); // knows of no task
        var change = task.MoveTo(RemediationState.Done, null, Engineer, T0.AddMinutes(5))!;
        Should.Throw<InvalidOperationException>(() => other.Record(change)).Message.ShouldContain("below zero");
        Should.Throw<ArgumentOutOfRangeException>(() => progress.Added(RemediationState.Pending, -1, T0));
        progress.Record(change);
        (progress.Pending, progress.Done, progress.Completed, progress.Remaining).ShouldBe((0, 1, 1, 0));
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Planning_a_move_from_values_answers_as_MoveTo_does(RemediationState from, RemediationState to)
    {
        var (_, task, _) = At(from);
        var move = RemediationTask.PlanMove(task.Title, task.State, task.Reason, to, ReasonFor(to), Engineer);
        (move.From, move.To, move.Reason).ShouldBe((from, to, ReasonFor(to)));
        var expected = from == to ? TaskMoveOutcome.NoChange : Documented.Contains((from, to)) ? TaskMoveOutcome.Moves : TaskMoveOutcome.NotAllowed;
        move.Outcome.ShouldBe(expected);
        if (expected == TaskMoveOutcome.NotAllowed)
        {
            var refused = Should.Throw<DomainRuleException>(() => task.MoveTo(to, ReasonFor(to), Engineer, T0.AddHours(1)));
            move.Refusal.ShouldBe(refused.Message, "the bulk answer says what the single change says");
            move.Refusal!.ShouldContain($"cannot go from {from} to {to}");
        }
        else
        {
            move.Refusal.ShouldBeNull();
            (task.MoveTo(to, ReasonFor(to), Engineer, T0.AddHours(1)) is not null).ShouldBe(expected == TaskMoveOutcome.Moves);
        }
    }

    [Fact]
    public void A_planned_move_makes_the_history_row_and_nothing_else_does()
    {
        var (incident, task, _) = At(RemediationState.Blocked);
        var move = RemediationTask.PlanMove(task.Title, task.State, task.Reason, RemediationState.Blocked, " New reason ", Engineer);
        move.Outcome.ShouldBe(TaskMoveOutcome.Moves, "a new reason is a change");
        var change = RemediationTaskChange.Of(task.Id, incident.TenantId, incident.Id, move, Engineer, T0.AddHours(1));
        (change.TaskId, change.IncidentId, change.TenantId, change.From, change.To, change.Reason, change.ActorName, change.At)
            .ShouldBe((task.Id, incident.Id, incident.TenantId, RemediationState.Blocked, RemediationState.Blocked, "New reason", "Maya Chen", T0.AddHours(1)));

        var same = RemediationTask.PlanMove(task.Title, task.State, task.Reason, RemediationState.Blocked, ReasonFor(RemediationState.Blocked), Engineer);
        Should.Throw<InvalidOperationException>(() => RemediationTaskChange.Of(task.Id, incident.TenantId, incident.Id, same, Engineer, T0));
        Should.Throw<InvalidValueException>(() => RemediationTask.PlanMove(task.Title, task.State, task.Reason, RemediationState.Failed, " ", Engineer));
        Should.Throw<NotPermittedException>(() => RemediationTask.PlanMove(task.Title, task.State, task.Reason, RemediationState.Done, null, Customer));
    }

    private static RemediationTaskChange Moved(Incident incident, RemediationState from, RemediationState to, DateTimeOffset at) =>
        RemediationTaskChange.Of(Guid.NewGuid(), incident.TenantId, incident.Id, RemediationTask.PlanMove("t", from, ReasonFor(from), to, ReasonFor(to), Engineer), Engineer, at);

    [Fact]
    public void Many_moves_at_once_apply_their_net_deltas_and_keep_the_latest_time()
    {
        var incident = Incident.Open(Guid.NewGuid(), 1, "NWA", "Boot loops", Severity.Sev1, null, Engineer, T0);
        var progress = new RemediationProgress(incident.Id, incident.TenantId, T0);
        progress.Added(RemediationState.Pending, 5, T0);
        progress.RecordMany([
            Moved(incident, RemediationState.Pending, RemediationState.Done, T0.AddMinutes(2)),
            Moved(incident, RemediationState.Pending, RemediationState.Done, T0.AddMinutes(3)),
            Moved(incident, RemediationState.Pending, RemediationState.Failed, T0.AddMinutes(1)),
        ]);
        (progress.Pending, progress.Done, progress.Failed, progress.Total, progress.Completed, progress.UpdatedAt).ShouldBe((2, 2, 1, 5, 2, T0.AddMinutes(3)));

        // Done → InProgress and InProgress → Done in one batch: the net change is nothing
        progress.RecordMany([
            Moved(incident, RemediationState.Done, RemediationState.InProgress, T0.AddMinutes(4)),
            Moved(incident, RemediationState.InProgress, RemediationState.Done, T0.AddMinutes(4)),
        ]);
        (progress.Pending, progress.InProgress, progress.Done, progress.Failed).ShouldBe((2, 0, 2, 1));

        progress.RecordMany([]);
        progress.UpdatedAt.ShouldBe(T0.AddMinutes(4));
    }

    [Fact]
    public void Many_moves_are_all_or_nothing()
    {
        var incident = Incident.Open(Guid.NewGuid(), 1, "NWA", "Boot loops", Severity.Sev1, null, Engineer, T0);
        var progress = new RemediationProgress(incident.Id, incident.TenantId, T0);
        progress.Added(RemediationState.Pending, 2, T0);
        var tooMany = Enumerable.Range(0, 3).Select(_ => Moved(incident, RemediationState.Pending, RemediationState.Done, T0.AddMinutes(1))).ToList();
        Should.Throw<InvalidOperationException>(() => progress.RecordMany(tooMany)).Message.ShouldContain("Pending counter");
        (progress.Pending, progress.Done, progress.UpdatedAt).ShouldBe((2, 0, T0), "a refused batch changes nothing");

        var other = Incident.Open(incident.TenantId, 2, "NWA", "Another", Severity.Sev2, null, Engineer, T0);
        Should.Throw<InvalidOperationException>(() => progress.RecordMany([
            Moved(incident, RemediationState.Pending, RemediationState.Done, T0.AddMinutes(1)),
            Moved(other, RemediationState.Pending, RemediationState.Done, T0.AddMinutes(1)),
        ])).Message.ShouldContain("another incident");
        (progress.Pending, progress.Done).ShouldBe((2, 0));
    }

    [Fact]
    public void The_bulk_summary_counts_with_thousands_separators_and_names_the_actor()
    {
        BulkChangeTaskStateHandler.SummaryText(1204, 1204, RemediationState.Done, "Harbor IT RMM", null).ShouldBe("1,204 devices marked Done by Harbor IT RMM");
        BulkChangeTaskStateHandler.SummaryText(1, 1, RemediationState.Failed, "Maya Chen", " Disk ").ShouldBe("1 device marked Failed by Maya Chen: Disk");
        BulkChangeTaskStateHandler.SummaryText(3, 2, RemediationState.Done, "Maya Chen", null).ShouldBe("3 tasks marked Done by Maya Chen");
        // A customer reads these lines: the state in the pages' words, not the code's name.
        BulkChangeTaskStateHandler.SummaryText(100, 100, RemediationState.NotApplicable, "Maya Chen", null).ShouldBe("100 devices marked Not applicable by Maya Chen");
        BulkChangeTaskStateHandler.SummaryText(2, 2, RemediationState.InProgress, "Maya Chen", null).ShouldBe("2 devices marked In progress by Maya Chen");
    }

    [Fact]
    public void Csv_cells_that_a_spreadsheet_would_evaluate_are_neutralised()
    {
        foreach (var dangerous in new[] { "=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx" }) TaskCsv.Cell(dangerous).ShouldBe("'" + dangerous);
        foreach (var harmless in new[] { "NWA-WS-0001", "a=b", " =x", "" }) TaskCsv.Cell(harmless).ShouldBe(harmless);
        TaskCsv.Cell(null).ShouldBe("");
    }

    private static UserAccess UserWith(params Role[] roles) =>
        new(Guid.NewGuid(), "U", "u@x", [.. roles.Select(r => new MembershipAccess(Guid.NewGuid(), "Harbor", OrganisationKind.Msp, r))], new Dictionary<Guid, TenantGrant>());

    private static ClaimsPrincipal Token(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "Bearer"));

    [Fact]
    public void Integrations_need_an_app_only_token_with_the_role_and_people_a_delegated_one()
    {
        var integration = UserWith(Role.MspIntegration);
        var person = UserWith(Role.MspEngineer);
        var app = TokenClaims.Read(Token(("idtyp", "app"), ("http://schemas.microsoft.com/ws/2008/06/identity/claims/role", "Remediation.ReadWrite")));
        var appOtherRole = TokenClaims.Read(Token(("idtyp", "app"), ("roles", "Other")));
        var delegated = TokenClaims.Read(Token(("scp", "Portal.Access")));
        MachineClients.Accepts(app, integration).ShouldBeTrue();
        MachineClients.Accepts(appOtherRole, integration).ShouldBeFalse();
        MachineClients.Accepts(delegated, integration).ShouldBeFalse();
        MachineClients.Accepts(delegated, person).ShouldBeTrue();
        MachineClients.Accepts(app, person).ShouldBeFalse();
    }

    [Fact]
    public void An_import_is_cancelled_by_its_msp_while_it_has_not_finished_and_is_then_final()
    {
        var queued = new DeviceImport(Guid.NewGuid(), Guid.NewGuid(), "wrong.csv", 100, Engineer, T0);
        Should.Throw<NotPermittedException>(() => queued.Cancel(Customer, T0));
        queued.Status.ShouldBe(DeviceImportStatus.Queued);
        queued.Cancel(Engineer, T0.AddMinutes(1));
        (queued.Status, queued.FinishedAt, queued.IsFinished).ShouldBe((DeviceImportStatus.Cancelled, T0.AddMinutes(1), true));
        Should.Throw<DomainRuleException>(() => queued.BeginRun(T0.AddMinutes(2))).Code.ShouldBe("import_finished");
        Should.Throw<DomainRuleException>(() => queued.Cancel(Engineer, T0.AddMinutes(2))).Message.ShouldContain("already been cancelled");
        queued.FinishedAt.ShouldBe(T0.AddMinutes(1));

        var running = new DeviceImport(Guid.NewGuid(), Guid.NewGuid(), "devices.csv", 100, Engineer, T0);
        running.BeginRun(T0);
        running.BatchDone(41, 40, 40, 40, 0, 0, T0);
        running.Cancel(Engineer, T0.AddSeconds(5));
        (running.Status, running.TasksCreated).ShouldBe((DeviceImportStatus.Cancelled, 40L), "what committed before stays counted");
        Should.Throw<InvalidOperationException>(() => running.BatchDone(81, 40, 40, 40, 0, 0, T0.AddSeconds(6)));

        var completed = new DeviceImport(Guid.NewGuid(), Guid.NewGuid(), "done.csv", 100, Engineer, T0);
        completed.BeginRun(T0);
        completed.Complete(T0.AddSeconds(1));
        Should.Throw<DomainRuleException>(() => completed.Cancel(Engineer, T0.AddSeconds(2))).Message.ShouldContain("already completed");
        completed.Status.ShouldBe(DeviceImportStatus.Completed);
    }

    [Fact]
    public void Token_claims_are_read_in_one_pass_the_short_claim_before_its_long_form()
    {
        var tid = Guid.NewGuid();
        var oid = Guid.NewGuid();
        const string LongTid = "http://schemas.microsoft.com/identity/claims/tenantid";
        const string LongOid = "http://schemas.microsoft.com/identity/claims/objectidentifier";

        var mapped = TokenClaims.Read(Token((LongTid, tid.ToString()), (LongOid, oid.ToString())));
        mapped.TryReadIds(out var readTid, out var readOid).ShouldBeTrue();
        (readTid, readOid).ShouldBe((tid, oid));

        var both = TokenClaims.Read(Token((LongTid, Guid.NewGuid().ToString()), ("tid", tid.ToString()), ("oid", oid.ToString()), (LongOid, Guid.NewGuid().ToString())));
        (both.TenantId, both.ObjectId).ShouldBe((tid.ToString(), oid.ToString()));

        var emptyShort = TokenClaims.Read(Token(("tid", ""), (LongTid, tid.ToString()), ("oid", oid.ToString())));
        emptyShort.TenantId.ShouldBe(tid.ToString());

        TokenClaims.Read(Token(("tid", tid.ToString()))).TryReadIds(out _, out _).ShouldBeFalse();
        TokenClaims.Read(Token(("tid", "not-a-guid"), ("oid", oid.ToString()))).TryReadIds(out _, out _).ShouldBeFalse();

        // Claims spread over two identities, the app-only marker in any case, the role under either claim type.
        var app = TokenClaims.Read(new ClaimsPrincipal([
            new ClaimsIdentity([new Claim("tid", tid.ToString()), new Claim("idtyp", "APP")], "Bearer"),
            new ClaimsIdentity([new Claim("oid", oid.ToString()), new Claim("roles", MachineClients.RemediationRole)], "Other")]));
        app.ShouldBe(new TokenClaims(tid.ToString(), oid.ToString(), IsAppOnly: true, HasRemediationRole: true));
        TokenClaims.Read(Token(("idtyp", "user"), (ClaimTypes.Role, "Other"))).ShouldBe(new TokenClaims(null, null, false, false));
    }
}
