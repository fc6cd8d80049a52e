using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// Bulk state updates as an RMM tool sends them: limits, per-item results, idempotency, one timeline entry per changing
/// call, foreign items never applied, and counters equal to a direct COUNT … GROUP BY after every call, including
/// concurrent calls from several clients. SQLite and PostgreSQL.
/// </summary>
public abstract class BulkUpdateTests(PortalApp app)
{
    protected PortalApp App { get; } = app;
    private Guid Nwa => App.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Fabrikam => App.Demo.TenantId("Fabrikam Health");
    private Task<HttpClient> Maya => App.ClientForAsync(DemoDirectory.Maya);

    private async Task<(IncidentDto Incident, List<TaskDto> Tasks)> IncidentWithTasksAsync(Guid tenantId, string title, int count)
    {
        var maya = await Maya;
        var (incident, response) = await maya.CreateIncidentAsync(tenantId, title, "Sev1");
        response.Dispose();
        var tasks = new List<TaskDto>();
        foreach (var device in (await App.DevicesOfAsync(tenantId)).Where(d => d.ExternalId!.StartsWith("rmm-", StringComparison.Ordinal)).Take(count))
        {
            tasks.Add(await maya.AddTaskAsync(incident.Id, device.Id));
        }
        return (incident, tasks);
    }

    [Fact]
    public async Task More_than_10000_items_are_refused_with_a_clear_message_and_nothing_changes()
    {
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync(Nwa, "Bulk: limit", 2);
        var items = Enumerable.Range(0, 10_001).Select(i => (object)new { externalId = $"rmm-nwa-{i:D5}" }).ToArray();
        using var refused = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks/bulk-state", new { state = "Done", items });
        var problem = await refused.ReadProblemAsync(HttpStatusCode.BadRequest);
        problem.Errors["items"].ShouldBe(["One call may name at most 10,000 tasks; this one names 10,001. Split it into several calls."]);
        (await App.CountByStateAsync(incident.Id)).ShouldBe(new Dictionary<RemediationState, int> { [RemediationState.Pending] = tasks.Count });

        // exactly 10,000 is accepted (all but two not found)
        var result = await maya.BulkAsync(incident.Id, new { state = "Done", items = items.Take(10_000).ToArray() });
        result.Items.Length.ShouldBe(10_000);
        result.Updated.ShouldBe(2);
        result.NotFound.ShouldBe(9_998);
        await App.ShouldMatchDirectCountAsync(maya, incident.Id, Nwa, "a 10,000-item call");

        using (var empty = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks/bulk-state", new { state = "Done", items = Array.Empty<object>() }))
        {
            (await empty.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("items");
        }
        using (var both = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks/bulk-state",
                   new { state = "Done", items = new[] { new { externalId = "rmm-nwa-00001", taskId = (Guid?)tasks[0].Id } } }))
        {
            (await both.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain(k => k.StartsWith("items", StringComparison.Ordinal));
        }
        using (var noReason = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks/bulk-state",
                   new { state = "Failed", items = new[] { new { externalId = "rmm-nwa-00001" } } }))
        {
            (await noReason.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("reason");
        }
    }

    [Fact]
    public async Task A_mixed_call_answers_per_item_and_never_touches_foreign_tasks()
    {
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync(Nwa, "Bulk: mixed", 6);
        var (otherIncident, otherTasks) = await IncidentWithTasksAsync(Nwa, "Bulk: the other incident", 2);
        var (_, fabTasks) = await IncidentWithTasksAsync(Fabrikam, "Bulk: another tenant", 1);
        var ines = await App.ClientForAsync(DemoDirectory.Ines);
        var woodgrove = App.Demo.TenantId(DemoDirectory.Woodgrove);
        var (wgbIncident, wgbResponse) = await ines.CreateIncidentAsync(woodgrove, "Bulk: Bluepeak's", "Sev2");
        wgbResponse.Dispose();
        var wgbDevice = (await App.DevicesOfAsync(woodgrove)).First();
        var wgbTask = await ines.AddTaskAsync(wgbIncident.Id, wgbDevice.Id);

        await maya.SetStateAsync(tasks[1].Id, "Done");          // → unchanged
        await maya.SetStateAsync(tasks[2].Id, "NotApplicable"); // → not allowed (NotApplicable → Done)
        var historyBefore = await App.HistoryRowsAsync(incident.Id);
        var otherBefore = await App.CountByStateAsync(otherIncident.Id);

        var ext = (TaskDto t) => t.Device!.ExternalId!;
        var untasked = (await App.DevicesOfAsync(Nwa)).Where(d => d.ExternalId!.StartsWith("rmm-", StringComparison.Ordinal)).Skip(100).First();
        var body = new
        {
            state = "Done",
            items = new object[]
            {
                new { externalId = ext(tasks[0]) },       // 0 updated
                new { taskId = tasks[1].Id },             // 1 unchanged
                new { externalId = ext(tasks[2]) },       // 2 not allowed
                new { externalId = "rmm-nwa-99999" },     // 3 not found
                new { taskId = otherTasks[0].Id },        // 4 another incident's task: not found
                new { externalId = untasked.ExternalId }, // 5 a device of this tenant with no task in this incident: not found
                new { taskId = fabTasks[0].Id },          // 6 another tenant's task: not found
                new { taskId = wgbTask.Id },              // 7 another MSP's tenant: not found
                new { externalId = wgbDevice.ExternalId },// 8 another MSP's device external id: not found
                new { taskId = tasks[3].Id },             // 9 updated
                new { externalId = ext(tasks[3]) },       // 10 the same task again: unchanged
            },
        };
        var result = await maya.BulkAsync(incident.Id, body);
        result.Items.Select(i => i.Result).ShouldBe(["updated", "unchanged", "not_allowed", "not_found", "not_found", "not_found", "not_found", "not_found", "not_found", "updated", "unchanged"]);
        result.Items.Select(i => i.Index).ShouldBe(Enumerable.Range(0, 11));
        (result.Updated, result.Unchanged, result.NotFound, result.NotAllowed).ShouldBe((2, 2, 6, 1));
        result.Items[2].Message!.ShouldContain("cannot go from NotApplicable to Done");
        result.Items[0].TaskId.ShouldBe(tasks[0].Id);
        result.Items[4].TaskId.ShouldBe(otherTasks[0].Id, "echoes what was sent");
        result.Items[4].State.ShouldBeNull("nothing about a task that is not this incident's");

        (await App.HistoryRowsAsync(incident.Id)).ShouldBe(historyBefore + 2);
        (await App.CountByStateAsync(otherIncident.Id)).ShouldBe(otherBefore, "the other incident's tasks were not touched");
        (await App.CountByStateAsync(wgbIncident.Id)).ShouldBe(new Dictionary<RemediationState, int> { [RemediationState.Pending] = 1 });
        result.Progress.ShouldEqual(await App.CountByStateAsync(incident.Id), "the call's answer");
        await App.ShouldMatchDirectCountAsync(maya, incident.Id, Nwa, "a mixed call");
        await App.ShouldMatchDirectCountAsync(ines, wgbIncident.Id, woodgrove, "a foreign call");

        (await App.RemediationTimelineAsync(incident.Id)).ShouldBe(["Customer:2 devices marked Done by Maya Chen"]);

        // the bulk route of a foreign incident is 404 as a whole
        using var foreign = await maya.PostJsonAsync($"/api/v1/incidents/{wgbIncident.Id}/tasks/bulk-state", new { state = "Done", items = new[] { new { taskId = wgbTask.Id } } });
        (await foreign.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such incident");
        (await App.CountByStateAsync(wgbIncident.Id)).ShouldBe(new Dictionary<RemediationState, int> { [RemediationState.Pending] = 1 });
    }

    [Fact]
    public async Task Resending_a_call_changes_nothing_and_each_changing_call_adds_exactly_one_timeline_entry()
    {
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync(Nwa, "Bulk: idempotent", 12);
        var body = new { state = "Done", summary = "Safe-mode fix applied", items = tasks.Take(10).Select(t => new { externalId = t.Device!.ExternalId }).ToArray() };

        var first = await maya.BulkAsync(incident.Id, body);
        first.Updated.ShouldBe(10);
        var history = await App.HistoryRowsAsync(incident.Id);
        var state = await App.StateOfAsync(incident.Id);
        var counters = await maya.IncidentProgressAsync(incident.Id);

        var second = await maya.BulkAsync(incident.Id, body);
        (second.Updated, second.Unchanged).ShouldBe((0, 10));
        (await App.HistoryRowsAsync(incident.Id)).ShouldBe(history, "no history rows for a resend");
        (await App.StateOfAsync(incident.Id)).ShouldBe(state, "no timeline entry, no incident change for a resend");
        (await maya.IncidentProgressAsync(incident.Id)).ShouldBe(counters, "counters untouched");

        var third = await maya.BulkAsync(incident.Id, new { state = "Blocked", reason = "Waiting for keys", items = tasks.Skip(10).Select(t => new { taskId = t.Id }).ToArray() });
        third.Updated.ShouldBe(2);
        (await App.RemediationTimelineAsync(incident.Id)).ShouldBe([
            "Customer:10 devices marked Done by Maya Chen: Safe-mode fix applied",
            "Customer:2 devices marked Blocked by Maya Chen",
        ]);
        await App.ShouldMatchDirectCountAsync(maya, incident.Id, Nwa, "repeated calls");

        // the customer sees the summary on its timeline
        var olivia = await App.ClientForAsync(DemoDirectory.Olivia);
        (await olivia.TimelineAsync(incident.Id)).ShouldContain(e => e.Text == "10 devices marked Done by Maya Chen: Safe-mode fix applied" && e.Kind == "Remediation");
    }

    [Fact]
    public async Task The_customers_status_keeps_the_msps_latest_words_in_view_however_many_bulk_updates_follow()
    {
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync(Nwa, "Bulk: status card", 12);
        var update = $"Front desk machines first, expect them back within the hour {Guid.NewGuid():N}";
        await maya.AddNoteAsync(incident.Id, update, "Customer");
        // Six bulk calls: one more remediation summary than the status card shows updates.
        foreach (var pair in tasks.Chunk(2))
            (await maya.BulkAsync(incident.Id, new { state = "Done", items = pair.Select(t => new { taskId = t.Id }).ToArray() })).Updated.ShouldBe(2);

        var olivia = await App.ClientForAsync(DemoDirectory.Olivia);
        using var status = JsonDocument.Parse(await olivia.GetStringAsync($"/api/v1/tenants/{Nwa}/status", TestContext.Current.CancellationToken));
        var card = status.RootElement.GetProperty("incidents").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == incident.Id);
        var texts = card.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("text").GetString()).ToList();
        texts.ShouldContain(update);
        texts.ShouldNotContain(t => t!.Contains("marked Done", StringComparison.Ordinal));
        card.GetProperty("progress").GetProperty("completed").GetInt32().ShouldBe(12, "the progress line tells how far remediation got");
        (await olivia.TimelineAsync(incident.Id)).Count(e => e.Kind == "Remediation").ShouldBe(6, "the incident's timeline still lists every summary");
    }

    [Fact]
    public async Task A_device_found_not_applicable_is_neither_restored_nor_affected_for_the_customer()
    {
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync(Nwa, "Bulk: not applicable", 10);
        (await maya.BulkAsync(incident.Id, new { state = "NotApplicable", items = tasks.Take(4).Select(t => new { taskId = t.Id }).ToArray() })).Updated.ShouldBe(4);
        (await maya.BulkAsync(incident.Id, new { state = "Done", items = tasks.Skip(4).Take(1).Select(t => new { taskId = t.Id }).ToArray() })).Updated.ShouldBe(1);

        var olivia = await App.ClientForAsync(DemoDirectory.Olivia);
        using var status = JsonDocument.Parse(await olivia.GetStringAsync($"/api/v1/tenants/{Nwa}/status", TestContext.Current.CancellationToken));
        var progress = status.RootElement.GetProperty("incidents").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == incident.Id).GetProperty("progress");
        (progress.GetProperty("completed").GetInt32(), progress.GetProperty("total").GetInt32()).ShouldBe((1, 6), "1 of 6 devices restored, not 5 of 10");
        var page = await (await App.PageClientForAsync(DemoDirectory.Olivia)).GetStringAsync($"/incidents/{incident.Id}", TestContext.Current.CancellationToken);
        page.ShouldContain("1 of 6 devices restored");
        (await maya.IncidentProgressAsync(incident.Id)).Counts.Completed.ShouldBe(5, "for the MSP's API, no work is left on 5");
    }

    /// <summary>
    /// The customer's status counted only the failed devices ("need another attempt") while the incident's page, which she sees
    /// too, counted the blocked ones with them ("stuck"): two numbers for one incident. A blocked device often waits for what
    /// only she has (a BitLocker key, someone on site), so both say "stuck", blocked and failed alike, and the API says each.
    /// </summary>
    [Fact]
    public async Task The_customer_sees_the_devices_stuck_as_the_incidents_page_counts_them_blocked_and_failed_alike()
    {
        var ct = TestContext.Current.CancellationToken;
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync(Nwa, "Bulk: stuck devices", 6);
        object Items(IEnumerable<TaskDto> some) => some.Select(t => new { taskId = t.Id }).ToArray();
        (await maya.BulkAsync(incident.Id, new { state = "Blocked", reason = "BitLocker recovery key needed", items = Items(tasks.Take(2)) })).Updated.ShouldBe(2);
        (await maya.BulkAsync(incident.Id, new { state = "Failed", reason = "Still boot-looping", items = Items(tasks.Skip(2).Take(1)) })).Updated.ShouldBe(1);
        (await maya.BulkAsync(incident.Id, new { state = "Done", items = Items(tasks.Skip(3).Take(1)) })).Updated.ShouldBe(1);

        var olivia = await App.ClientForAsync(DemoDirectory.Olivia);
        using var status = JsonDocument.Parse(await olivia.GetStringAsync($"/api/v1/tenants/{Nwa}/status", ct));
        var progress = status.RootElement.GetProperty("incidents").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == incident.Id).GetProperty("progress");
        (progress.GetProperty("total").GetInt32(), progress.GetProperty("completed").GetInt32(), progress.GetProperty("failed").GetInt32(), progress.GetProperty("blocked").GetInt32())
            .ShouldBe((6, 1, 1, 2));

        using var pages = await App.PageClientForAsync(DemoDirectory.Olivia);
        var statusLine = Regex.Match(await pages.GetStringAsync("/status", ct), $"""data-testid="progress-{incident.Reference}"[\s\S]*?</p>""").Value;
        var incidentLine = Regex.Match(await pages.GetStringAsync($"/incidents/{incident.Id}", ct), """data-testid="incident-progress"[\s\S]*?</p>""").Value;
        foreach (var line in new[] { statusLine, incidentLine })
        {
            line.ShouldContain("1 of 6 devices restored");
            line.ShouldContain("· 3 stuck");
        }
    }

    [Fact]
    public async Task A_free_task_is_no_device_for_the_customer_nor_in_the_counters_and_moves_only_in_its_history()
    {
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync(Nwa, "Bulk: a free task among devices", 3);
        var free = await maya.AddTaskAsync(incident.Id, title: "Rotate the BitLocker recovery keys");
        var (onlyFree, created) = await maya.CreateIncidentAsync(Nwa, "Bulk: free tasks only", "Sev3");
        created.Dispose();
        await maya.AddTaskAsync(onlyFree.Id, title: "Call the kiosk vendor");

        var done = await maya.BulkAsync(incident.Id, new { state = "Done", items = new[] { new { taskId = free.Id }, new { taskId = tasks[0].Id } } });

        done.Updated.ShouldBe(2);
        done.Progress.ShouldSatisfyAllConditions(p => p.Total.ShouldBe(3), p => p.Done.ShouldBe(1));
        (await App.RemediationTimelineAsync(incident.Id)).ShouldContain("Customer:2 tasks marked Done by Maya Chen");
        (await maya.TaskHistoryAsync(free.Id)).ShouldHaveSingleItem().To.ShouldBe("Done");
        await App.ShouldMatchDirectCountAsync(maya, incident.Id, Nwa, "a bulk update with a free task");

        // Only the free task moves: its history says so; the counters, and so the burn-down (not even its minute's point), stay.
        var points = await BurnDownPointsAsync(incident.Id);
        var touched = (await maya.IncidentProgressAsync(incident.Id)).UpdatedAt;
        (await maya.BulkAsync(incident.Id, new { state = "InProgress", items = new[] { new { taskId = free.Id } } })).Progress.Done.ShouldBe(1);
        (await maya.TaskHistoryAsync(free.Id)).Length.ShouldBe(2);
        (await BurnDownPointsAsync(incident.Id)).ShouldBe(points);
        // Still a change of the incident's remediation: the row is saved, so the pages that follow it (the free task's own) refetch.
        (await maya.IncidentProgressAsync(incident.Id)).UpdatedAt.ShouldNotBeNull().ShouldBeGreaterThan(touched!.Value);

        var olivia = await App.ClientForAsync(DemoDirectory.Olivia);
        using var status = JsonDocument.Parse(await olivia.GetStringAsync($"/api/v1/tenants/{Nwa}/status", TestContext.Current.CancellationToken));
        var cards = status.RootElement.GetProperty("incidents").EnumerateArray().ToList();
        var progress = cards.Single(i => i.GetProperty("id").GetGuid() == incident.Id).GetProperty("progress");
        (progress.GetProperty("completed").GetInt32(), progress.GetProperty("total").GetInt32()).ShouldBe((1, 3), "1 of 3 devices restored; counting the free task it was 1 of 4");
        cards.Single(i => i.GetProperty("id").GetGuid() == onlyFree.Id).TryGetProperty("progress", out _).ShouldBeFalse("no devices, no device line");
        using var pages = await App.PageClientForAsync(DemoDirectory.Olivia);
        (await pages.GetStringAsync($"/incidents/{incident.Id}", TestContext.Current.CancellationToken)).ShouldContain("1 of 3 devices restored");
        (await pages.GetStringAsync("/status", TestContext.Current.CancellationToken)).ShouldContain("1 of 3 devices restored");
        (await pages.GetStringAsync($"/incidents/{onlyFree.Id}", TestContext.Current.CancellationToken)).ShouldNotContain("devices restored");
    }

    private Task<List<(DateTimeOffset At, int Total, int Completed)>> BurnDownPointsAsync(Guid incidentId) => App.QueryAsync(async db =>
        (await db.RemediationProgressSamples.AsNoTracking().Where(s => s.IncidentId == incidentId).Select(s => new { s.At, s.Total, s.Completed })
            .ToListAsync(TestContext.Current.CancellationToken)).Select(s => (s.At, s.Total, s.Completed)).OrderBy(s => s.At).ToList());

    [Fact]
    public async Task Concurrent_calls_from_four_clients_all_succeed_and_the_counters_equal_the_count()
    {
        var (incident, tasks) = await IncidentWithTasksAsync(Nwa, "Bulk: concurrent", 80);
        var clients = new[]
        {
            await App.ClientForAsync(DemoDirectory.Maya), await App.ClientForAsync(DemoDirectory.Sam),
            await App.ClientForAsync(DemoDirectory.Liam), await App.ClientForAsync("rmm@harborit.example"),
        };
        string[] states = ["Done", "InProgress", "Failed", "NotApplicable"];
        for (var round = 0; round < 3; round++)
        {
            // overlapping sets: client c takes tasks [c*15, c*15+35), different target states, shifted every round
            var calls = clients.Select((client, c) =>
            {
                var state = states[(c + round) % states.Length];
                var items = tasks.Skip(c * 15).Take(35).Select((t, i) => i % 2 == 0 ? (object)new { taskId = t.Id } : new { externalId = t.Device!.ExternalId }).ToArray();
                return client.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks/bulk-state", new { state, reason = state == "Failed" ? "Disk error" : null, items });
            }).ToList();
            var responses = await Task.WhenAll(calls);
            foreach (var response in responses)
            {
                using (response)
                {
                    var result = await response.ReadAsync<BulkResultDto>();
                    (result.Updated + result.Unchanged + result.NotAllowed).ShouldBe(35);
                    result.NotFound.ShouldBe(0);
                }
            }
            await App.ShouldMatchDirectCountAsync(clients[0], incident.Id, Nwa, $"round {round} of concurrent bulk calls");
            var changes = await App.HistoryRowsAsync(incident.Id);
            changes.ShouldBeGreaterThan(0);
        }
    }

    /// <summary>
    /// Single task changes (an engineer ticking machines on the page) racing an RMM bulk call over the same tasks: whichever
    /// commits first, the other sees it (the counter-row lock) or re-runs (the State condition of the bulk UPDATE, the task
    /// version of the single change). Each round starts from Pending tasks; the single change sets InProgress and the bulk
    /// Done, and both orders are moves (Pending → InProgress → Done or Pending → Done → InProgress), so every call moves
    /// every task it names exactly once and the history must say so.
    /// </summary>
    [Fact]
    public async Task A_bulk_call_racing_single_task_changes_keeps_counters_and_history_consistent()
    {
        var (incident, tasks) = await IncidentWithTasksAsync(Nwa, "Bulk: racing single changes", 80);
        var maya = await App.ClientForAsync(DemoDirectory.Maya);
        var sam = await App.ClientForAsync(DemoDirectory.Sam);
        var bulkMoves = 0;
        var singleMoves = 0;
        foreach (var round in tasks.Chunk(20))
        {
            var bulk = sam.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks/bulk-state",
                new { state = "Done", items = round.Select((t, i) => i % 2 == 0 ? (object)new { taskId = t.Id } : new { externalId = t.Device!.ExternalId }).ToArray() });
            var singles = round.Where((_, i) => i % 3 == 0).Select(t => maya.PostJsonAsync($"/api/v1/tasks/{t.Id}/state", new { state = "InProgress" })).ToList();
            using (var response = await bulk)
            {
                var result = await response.ReadAsync<BulkResultDto>();
                result.Updated.ShouldBe(round.Length, "each task was Pending or InProgress, and both move to Done");
                bulkMoves += result.Updated;
            }
            foreach (var single in singles)
            {
                using var response = await single;
                (await response.ReadAsync<TaskDto>()).State.ShouldBe("InProgress");
                singleMoves++;
            }

            await App.ShouldMatchDirectCountAsync(maya, incident.Id, Nwa, "a bulk call racing single changes");
            var states = await App.QueryAsync(db => db.RemediationTasks.AsNoTracking().Where(t => t.IncidentId == incident.Id)
                .ToDictionaryAsync(t => t.Id, t => t.State));
            var history = await App.QueryAsync(db => db.RemediationTaskChanges.AsNoTracking().Where(c => c.IncidentId == incident.Id)
                .Select(c => new { c.TaskId, c.From, c.To, c.ActorName }).ToListAsync());
            history.Count.ShouldBe(bulkMoves + singleMoves, "one history row per actual move");
            history.Count(c => c.ActorName == "Sam Okafor").ShouldBe(bulkMoves, "the bulk call's rows");
            history.ShouldAllBe(c => c.From != c.To);
            foreach (var (taskId, state) in states)
            {
                // The rows of a task are a path from Pending to its state: every state is entered as often as it is left,
                // except Pending (left once more) and the current state (entered once more).
                var rows = history.Where(c => c.TaskId == taskId).ToList();
                foreach (var s in Enum.GetValues<RemediationState>())
                {
                    var expected = (s == state ? 1 : 0) - (s == RemediationState.Pending ? 1 : 0);
                    (rows.Count(c => c.To == s) - rows.Count(c => c.From == s)).ShouldBe(expected, $"task {taskId}, now {state}: the history path through {s}");
                }
            }
        }
        bulkMoves.ShouldBe(80);
        singleMoves.ShouldBe(28);
    }
}

public sealed class BulkUpdateOnSqlite(SqliteApp app) : BulkUpdateTests(app), IClassFixture<SqliteApp>;

public sealed class BulkUpdateOnPostgreSql(PostgresApp app) : BulkUpdateTests(app), IClassFixture<PostgresApp>;
