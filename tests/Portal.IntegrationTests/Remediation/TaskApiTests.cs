using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// Tasks on an incident: create, list with keyset paging and filters, single state changes with history, assignment,
/// progress roll-ups (checked against a direct COUNT after every step), export, and who may see what. SQLite and PostgreSQL.
/// </summary>
public abstract class TaskApiTests(PortalApp app)
{
    protected PortalApp App { get; } = app;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Nwa => App.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Woodgrove => App.Demo.TenantId(DemoDirectory.Woodgrove);
    private Task<HttpClient> Maya => App.ClientForAsync(DemoDirectory.Maya);

    private async Task<IncidentDto> NewIncidentAsync(string title)
    {
        var (incident, response) = await (await Maya).CreateIncidentAsync(Nwa, title, "Sev2");
        response.Dispose();
        return incident;
    }

    /// <summary>An incident with a task for each of the first <paramref name="count"/> devices of Northwind (by hostname).</summary>
    private async Task<(IncidentDto Incident, List<TaskDto> Tasks)> IncidentWithTasksAsync(string title, int count)
    {
        var maya = await Maya;
        var incident = await NewIncidentAsync(title);
        var tasks = new List<TaskDto>();
        foreach (var device in (await App.DevicesOfAsync(Nwa)).Where(d => d.ExternalId!.StartsWith("rmm-", StringComparison.Ordinal)).Take(count))
        {
            tasks.Add(await maya.AddTaskAsync(incident.Id, device.Id));
        }
        return (incident, tasks);
    }

    [Fact]
    public async Task Device_and_free_tasks_are_created_once_and_the_device_counted()
    {
        var maya = await Maya;
        var incident = await NewIncidentAsync("Tasks: create");
        (await maya.IncidentProgressAsync(incident.Id)).Counts.Total.ShouldBe(0, "no tasks, no row: zeros");

        var device = (await App.DevicesOfAsync(Nwa)).First(d => d.Tags.Contains(",laptop,"));
        var task = await maya.AddTaskAsync(incident.Id, device.Id);
        task.ShouldSatisfyAllConditions(
            t => t.Title.ShouldBe(device.Hostname),
            t => t.State.ShouldBe("Pending"),
            t => t.Device!.Id.ShouldBe(device.Id),
            t => t.Device!.ExternalId.ShouldBe(device.ExternalId),
            t => t.Device!.Site.ShouldBe(device.Site),
            t => t.Device!.Tags.ShouldBe(["bitlocker", "laptop"]),
            t => t.NextStates.ShouldBe(["InProgress", "Blocked", "Done", "Failed", "NotApplicable"]));
        var free = await maya.AddTaskAsync(incident.Id, title: "Collect BitLocker keys from the vault");
        free.Device.ShouldBeNull();
        free.Title.ShouldBe("Collect BitLocker keys from the vault");

        using (var again = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks", new { deviceId = device.Id }))
        {
            (await again.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("duplicate_task");
        }
        using (var neither = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks", new { }))
        {
            (await neither.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("title");
        }

        // a device of another tenant (Woodgrove, Bluepeak's customer) is "no such device", never used
        var foreignDevice = (await App.DevicesOfAsync(Woodgrove)).First();
        using (var foreign = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks", new { deviceId = foreignDevice.Id }))
        {
            var problem = await foreign.ReadProblemAsync(HttpStatusCode.NotFound);
            problem.Title.ShouldBe("No such device");
            problem.Detail!.ShouldNotContain(foreignDevice.Hostname);
        }
        using (var missing = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks", new { deviceId = Guid.NewGuid() }))
        {
            (await missing.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such device");
        }

        (await App.CountByStateAsync(incident.Id)).ShouldBe(new Dictionary<RemediationState, int> { [RemediationState.Pending] = 1 });
        await App.ShouldMatchDirectCountAsync(maya, incident.Id, Nwa, "creating tasks");
        (await maya.IncidentProgressAsync(incident.Id)).Counts.Total.ShouldBe(1, "the counters count devices: the free task is in the list, not in them");
        (await maya.AllTasksAsync(incident.Id)).Count.ShouldBe(2);
        (await App.QueryAsync(db => db.RemediationProgressSamples.CountAsync(s => s.IncidentId == incident.Id))).ShouldBe(1, "one burn-down point per device's change");

        // The free task done: its history has the move; the counters and the burn-down do not.
        (await maya.SetStateAsync(free.Id, "Done")).State.ShouldBe("Done");
        (await maya.TaskHistoryAsync(free.Id)).ShouldHaveSingleItem().To.ShouldBe("Done");
        (await maya.IncidentProgressAsync(incident.Id)).Counts.ShouldSatisfyAllConditions(c => c.Total.ShouldBe(1), c => c.Done.ShouldBe(0));
        (await App.QueryAsync(db => db.RemediationProgressSamples.CountAsync(s => s.IncidentId == incident.Id))).ShouldBe(1);
    }

    [Fact]
    public async Task Concurrent_first_tasks_of_an_incident_all_succeed_and_a_device_gets_one_task()
    {
        var maya = await Maya;
        var sam = await App.ClientForAsync(DemoDirectory.Sam);
        var incident = await NewIncidentAsync("Tasks: concurrent creates");
        var devices = (await App.DevicesOfAsync(Nwa)).Where(d => d.ExternalId!.StartsWith("rmm-", StringComparison.Ordinal)).Take(8).ToList();

        // eight different devices at once: each creates the counter row if none is there yet
        var creates = await Task.WhenAll(devices.Select((d, i) => (i % 2 == 0 ? maya : sam).PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks", new { deviceId = d.Id })));
        foreach (var response in creates) using (response) await response.ReadAsync<TaskDto>(HttpStatusCode.Created);
        await App.ShouldMatchDirectCountAsync(maya, incident.Id, Nwa, "eight concurrent first tasks");
        (await maya.IncidentProgressAsync(incident.Id)).Counts.Pending.ShouldBe(8);

        // the same new device four times at once: one task, the others 409
        var extra = (await App.DevicesOfAsync(Nwa)).Where(d => d.ExternalId!.StartsWith("rmm-", StringComparison.Ordinal)).Skip(8).First();
        var same = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => (i % 2 == 0 ? maya : sam).PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks", new { deviceId = extra.Id })));
        same.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        foreach (var refused in same.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            (await refused.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("duplicate_task");
        }
        foreach (var r in same) r.Dispose();
        (await maya.IncidentProgressAsync(incident.Id)).Counts.Pending.ShouldBe(9);
        await App.ShouldMatchDirectCountAsync(maya, incident.Id, Nwa, "four concurrent creates for one device");
    }

    [Fact]
    public async Task State_changes_follow_the_transitions_keep_history_and_counters_and_same_state_is_no_change()
    {
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync("Tasks: state", 3);
        var task = tasks[0];

        (await maya.SetStateAsync(task.Id, "InProgress")).State.ShouldBe("InProgress");
        var blocked = await maya.SetStateAsync(task.Id, "Blocked", "Needs the BitLocker key");
        blocked.ShouldSatisfyAllConditions(t => t.State.ShouldBe("Blocked"), t => t.Reason.ShouldBe("Needs the BitLocker key"));
        await App.ShouldMatchDirectCountAsync(maya, incident.Id, Nwa, "InProgress → Blocked");

        // the same state and reason again: 200, no history row, counters untouched
        var historyBefore = await App.HistoryRowsAsync(incident.Id);
        var same = await maya.SetStateAsync(task.Id, "Blocked", "Needs the BitLocker key");
        same.Version.ShouldBe(blocked.Version);
        (await App.HistoryRowsAsync(incident.Id)).ShouldBe(historyBefore);

        using (var noReason = await maya.PostJsonAsync($"/api/v1/tasks/{task.Id}/state", new { state = "Failed" }))
        {
            (await noReason.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("reason");
        }
        using (var number = await maya.SendRawAsync(HttpMethod.Post, $"/api/v1/tasks/{task.Id}/state", """{"state":3}"""))
        {
            number.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }
        // InProgress | Blocked is Done as numbers: two names in one must not finish a machine nobody fixed.
        using (var two = await maya.SendRawAsync(HttpMethod.Post, $"/api/v1/tasks/{task.Id}/state", """{"state":"InProgress,Blocked"}"""))
        {
            (await two.ReadProblemAsync(HttpStatusCode.BadRequest)).Detail!.ShouldContain("'$.state'");
        }
        using (var after = await maya.GetAsync($"/api/v1/tasks/{task.Id}", Ct))
        {
            (await after.ReadAsync<TaskDto>()).State.ShouldBe("Blocked");
        }

        (await maya.SetStateAsync(task.Id, "Done")).State.ShouldBe("Done");
        using (var refused = await maya.PostJsonAsync($"/api/v1/tasks/{task.Id}/state", new { state = "Pending" }))
        {
            var problem = await refused.ReadProblemAsync(HttpStatusCode.Conflict);
            problem.Code.ShouldBe("transition_not_allowed");
            problem.Detail!.ShouldContain("InProgress, Failed");
        }
        (await maya.SetStateAsync(tasks[1].Id, "NotApplicable")).State.ShouldBe("NotApplicable");
        await App.ShouldMatchDirectCountAsync(maya, incident.Id, Nwa, "Done, NotApplicable and a refused move");

        using (var history = await maya.GetAsync($"/api/v1/tasks/{task.Id}/history", Ct))
        {
            var changes = await history.ReadAsync<TaskChangeDto[]>();
            changes.Select(c => $"{c.From}>{c.To}:{c.Reason}").ShouldBe(["Pending>InProgress:", "InProgress>Blocked:Needs the BitLocker key", "Blocked>Done:"]);
            changes.ShouldAllBe(c => c.Actor == "Maya Chen");
        }
        (await App.RemediationTimelineAsync(incident.Id)).ShouldBeEmpty("single task moves stay in the task history, not the incident timeline");
    }

    [Fact]
    public async Task A_closed_incidents_remediation_is_the_finished_record_and_every_change_to_it_is_a_409()
    {
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync("Tasks: closed", 2);
        await maya.SetStateAsync(tasks[0].Id, "InProgress");
        await maya.AcknowledgeAsync(incident.Id);
        await maya.ChangeStatusAsync(incident.Id, "Resolved");
        // Resolved may still go back to Investigating: a straggler's result still counts.
        await maya.SetStateAsync(tasks[0].Id, "Done");
        await maya.ChangeStatusAsync(incident.Id, "Closed");
        var historyBefore = await App.HistoryRowsAsync(incident.Id);
        var countsBefore = await App.CountByStateAsync(incident.Id);
        var timelineBefore = (await maya.TimelineAsync(incident.Id)).Length;
        var device = (await App.DevicesOfAsync(Nwa)).First(d => d.ExternalId!.StartsWith("rmm-", StringComparison.Ordinal) && tasks.All(t => t.Device?.Id != d.Id));

        foreach (var (what, url, body) in new (string, string, object)[]
        {
            ("a state change", $"/api/v1/tasks/{tasks[1].Id}/state", new { state = "Done" }),
            ("a bulk update", $"/api/v1/incidents/{incident.Id}/tasks/bulk-state", new { state = "Done", items = new[] { new { taskId = tasks[1].Id } } }),
            ("an assignment", $"/api/v1/tasks/{tasks[1].Id}/assign", new { assigneeId = App.Demo.User(DemoDirectory.Maya).Id }),
            ("a free task", $"/api/v1/incidents/{incident.Id}/tasks", new { title = "Check the kiosk by hand" }),
            ("a device task", $"/api/v1/incidents/{incident.Id}/tasks", new { deviceId = device.Id }),
        })
        {
            using var refused = await maya.PostJsonAsync(url, body);
            var problem = await refused.ReadProblemAsync(HttpStatusCode.Conflict);
            problem.Code.ShouldBe("incident_closed", what);
            problem.Detail.ShouldNotBeNull().ShouldContain(incident.Reference, Case.Sensitive, what);
        }
        using (var import = await maya.UploadCsvAsync(incident.Id, "hostname\nKIOSK-CLOSED-1\n"))
            (await import.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("incident_closed");

        (await App.HistoryRowsAsync(incident.Id)).ShouldBe(historyBefore, "no task moved");
        (await App.CountByStateAsync(incident.Id)).ShouldBe(countsBefore);
        (await maya.TimelineAsync(incident.Id)).Length.ShouldBe(timelineBefore, "no remediation line was added");
        (await maya.AllTasksAsync(incident.Id)).Select(t => $"{t.Id} {t.State} {t.Assignee?.Name}").ShouldBe(
            [$"{tasks[0].Id} Done ", $"{tasks[1].Id} Pending "], ignoreOrder: true);

        // The page shows the record without the forms that would change it.
        using var page = await App.PageClientForAsync(DemoDirectory.Maya);
        var html = await page.GetStringAsync($"/incidents/{incident.Id}/remediation", Ct);
        html.ShouldContain("data-testid=\"closed-tasks\"");
        html.ShouldContain("data-testid=\"closed-import\"");
        html.ShouldNotContain("name=\"Selected\"");
        html.ShouldNotContain("?handler=Import");
    }

    [Fact]
    public async Task Assign_sets_and_clears_the_assignee_from_the_managing_msp_only()
    {
        var maya = await Maya;
        var (_, tasks) = await IncidentWithTasksAsync("Tasks: assign", 1);
        var sam = App.Demo.User(DemoDirectory.Sam);
        using (var assign = await maya.PostJsonAsync($"/api/v1/tasks/{tasks[0].Id}/assign", new { assigneeId = sam.Id }))
        {
            (await assign.ReadAsync<TaskDto>()).Assignee!.Name.ShouldBe(sam.Name);
        }
        var ines = App.Demo.User(DemoDirectory.Ines);
        using (var foreign = await maya.PostJsonAsync($"/api/v1/tasks/{tasks[0].Id}/assign", new { assigneeId = ines.Id }))
        {
            (await foreign.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("assigneeId");
        }
        using (var clear = await maya.PostJsonAsync($"/api/v1/tasks/{tasks[0].Id}/assign", new { assigneeId = (Guid?)null }))
        {
            (await clear.ReadAsync<TaskDto>()).Assignee.ShouldBeNull();
        }
    }

    [Fact]
    public async Task The_list_pages_by_creation_order_and_filters_by_state_site_tag_and_hostname()
    {
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync("Tasks: list", 30);
        await maya.SetStateAsync(tasks[0].Id, "Done");
        await maya.SetStateAsync(tasks[1].Id, "Failed", "Disk gone");
        await maya.SetStateAsync(tasks[2].Id, "Done");

        var all = await maya.AllTasksAsync(incident.Id, limit: 4);
        all.Select(t => t.Id).ShouldBe(tasks.Select(t => t.Id).OrderBy(id => id.ToString(), StringComparer.Ordinal), "every task once, in id order");

        (await maya.AllTasksAsync(incident.Id, "state=Done&state=failed", limit: 2)).Select(t => t.Id)
            .ShouldBe([tasks[0].Id, tasks[1].Id, tasks[2].Id], ignoreOrder: true);
        (await maya.AllTasksAsync(incident.Id, "site=branch", limit: 3)).ShouldAllBe(t => t.Device!.Site == "Branch");
        (await maya.AllTasksAsync(incident.Id, "site=branch", limit: 3)).Count.ShouldBe(tasks.Count(t => t.Device!.Site == "Branch"));
        (await maya.AllTasksAsync(incident.Id, "tag=laptop")).Select(t => t.Id).ShouldBe(tasks.Where(t => t.Device!.Tags.Contains("laptop")).Select(t => t.Id), ignoreOrder: true);
        var prefix = tasks[5].Device!.Hostname[..8].ToLowerInvariant();
        (await maya.AllTasksAsync(incident.Id, "q=" + prefix)).Select(t => t.Id)
            .ShouldBe(tasks.Where(t => t.Device!.Hostname.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).Select(t => t.Id), ignoreOrder: true);

        using (var badState = await maya.GetAsync($"/api/v1/incidents/{incident.Id}/tasks?state=Fixed", Ct))
        {
            (await badState.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("state");
        }
        using (var badCursor = await maya.GetAsync($"/api/v1/incidents/{incident.Id}/tasks?cursor=ZGV2aWNlOmV4dDox", Ct))
        {
            (await badCursor.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("cursor");
        }
    }

    [Fact]
    public async Task Foreign_and_missing_ids_are_404_and_customers_are_refused_tasks_but_read_their_own_progress()
    {
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync("Tasks: isolation", 2);
        await maya.SetStateAsync(tasks[0].Id, "Done");
        var ines = await App.ClientForAsync(DemoDirectory.Ines);
        var hana = await App.ClientForAsync(DemoDirectory.Hana);
        var olivia = await App.ClientForAsync(DemoDirectory.Olivia);
        var historyBefore = await App.HistoryRowsAsync(incident.Id);

        var taskRoutes = new (HttpMethod Method, string Url, string? Body)[]
        {
            (HttpMethod.Post, $"/api/v1/tasks/{tasks[1].Id}/state", """{"state":"Done"}"""),
            (HttpMethod.Post, $"/api/v1/tasks/{tasks[1].Id}/assign", """{"assigneeId":null}"""),
            (HttpMethod.Get, $"/api/v1/tasks/{tasks[1].Id}/history", null),
            (HttpMethod.Get, $"/api/v1/tasks/{tasks[1].Id}", null),
        };
        var incidentRoutes = new (HttpMethod Method, string Url, string? Body)[]
        {
            (HttpMethod.Get, $"/api/v1/incidents/{incident.Id}/tasks", null),
            (HttpMethod.Post, $"/api/v1/incidents/{incident.Id}/tasks", """{"title":"x"}"""),
            (HttpMethod.Post, $"/api/v1/incidents/{incident.Id}/tasks/bulk-state", $$"""{"state":"Done","items":[{"taskId":"{{tasks[1].Id}}"}]}"""),
            (HttpMethod.Get, $"/api/v1/incidents/{incident.Id}/tasks.csv", null),
        };
        foreach (var (method, url, body) in taskRoutes.Concat(incidentRoutes))
        {
            foreach (var outsider in new[] { ines, hana })
            {
                using var response = await outsider.SendRawAsync(method, url, body);
                (await response.ReadProblemAsync(HttpStatusCode.NotFound)).Detail!.ShouldNotContain(incident.Title);
            }
        }
        // the customer sees the incident but not its tasks: 403 where the incident is the door; a task id itself is not visible to it (404)
        foreach (var (method, url, body) in incidentRoutes)
        {
            using var response = await olivia.SendRawAsync(method, url, body);
            await response.ReadProblemAsync(HttpStatusCode.Forbidden);
        }
        foreach (var (method, url, body) in taskRoutes)
        {
            using var response = await olivia.SendRawAsync(method, url, body);
            await response.ReadProblemAsync(HttpStatusCode.NotFound);
        }
        using (var missing = await maya.PostJsonAsync($"/api/v1/tasks/{Guid.NewGuid()}/state", new { state = "Done" }))
        {
            (await missing.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such task");
        }
        (await App.HistoryRowsAsync(incident.Id)).ShouldBe(historyBefore, "nothing refused was applied");
        (await App.CountByStateAsync(incident.Id)).ShouldBe(new Dictionary<RemediationState, int> { [RemediationState.Done] = 1, [RemediationState.Pending] = 1 });

        // progress: the customer reads its own tenant's and incident's, never another tenant's
        (await olivia.IncidentProgressAsync(incident.Id)).Counts.ShouldEqual(await App.CountByStateAsync(incident.Id), "customer's incident progress");
        using (var own = await olivia.GetAsync($"/api/v1/tenants/{Nwa}/progress", Ct))
        {
            (await own.ReadAsync<TenantProgressDto>()).Counts.ShouldEqual(await App.CountByStateInTenantAsync(Nwa), "customer's tenant progress");
        }
        using (var foreignTenant = await olivia.GetAsync($"/api/v1/tenants/{Woodgrove}/progress", Ct))
        {
            (await foreignTenant.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such tenant");
        }
        using (var foreignIncident = await hana.GetAsync($"/api/v1/incidents/{incident.Id}/progress", Ct))
        {
            await foreignIncident.ReadProblemAsync(HttpStatusCode.NotFound);
        }
        using (var mspRollup = await olivia.GetAsync("/api/v1/remediation/progress", Ct))
        {
            await mspRollup.ReadProblemAsync(HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task The_msp_rollup_lists_each_managed_tenant_with_its_counts_and_the_total()
    {
        var maya = await Maya;
        var (incident, tasks) = await IncidentWithTasksAsync("Tasks: MSP roll-up", 3);
        await maya.SetStateAsync(tasks[0].Id, "Done");

        using var response = await maya.GetAsync("/api/v1/remediation/progress", Ct);
        var rollup = await response.ReadAsync<MspProgressDto>();
        rollup.Tenants.Select(t => t.TenantId).ShouldBe(App.Demo.MspTenantsOf(DemoDirectory.Maya), ignoreOrder: true);
        foreach (var tenant in rollup.Tenants)
        {
            tenant.Counts.ShouldEqual(await App.CountByStateInTenantAsync(tenant.TenantId), $"{tenant.TenantName} in the MSP roll-up");
        }
        rollup.Total.Total.ShouldBe(rollup.Tenants.Sum(t => t.Counts.Total));
        rollup.Total.Done.ShouldBe(rollup.Tenants.Sum(t => t.Counts.Done));
        rollup.Total.Done.ShouldBeGreaterThanOrEqualTo(1);

        var bluepeak = await App.ClientForAsync(DemoDirectory.Ines);
        using var other = await bluepeak.GetAsync("/api/v1/remediation/progress", Ct);
        (await other.ReadAsync<MspProgressDto>()).Tenants.Select(t => t.TenantId).ShouldNotContain(Nwa);
        _ = incident;
    }

    [Fact]
    public async Task Export_is_csv_with_a_header_and_formula_cells_neutralised()
    {
        var maya = await Maya;
        var incident = await NewIncidentAsync("Tasks: export");
        // titles are trimmed and device fields refuse control characters, so a leading tab or CR cannot arrive through the
        // API; the unit test RemediationRulesTests.Csv_cells_that_a_spreadsheet_would_evaluate_are_neutralised covers them
        var hostile = new[] { "=HYPERLINK(\"http://x\")", "+SUM(1,2)", "-2+3", "@cmd", "plain, \"quoted\"" };
        foreach (var title in hostile) await maya.AddTaskAsync(incident.Id, title: title);
        var device = (await App.DevicesOfAsync(Nwa)).First(d => d.Tags.Contains(",server,"));
        await maya.AddTaskAsync(incident.Id, device.Id);
        using (var evil = await maya.PostJsonAsync($"/api/v1/tenants/{Nwa}/devices", new { hostname = "-EVIL-01", externalId = "@rmm-evil", site = "=cmd|'/C calc'!A0" }))
        {
            await maya.AddTaskAsync(incident.Id, (await evil.ReadAsync<DeviceDto>(HttpStatusCode.Created)).Id);
        }

        using var response = await maya.GetAsync($"/api/v1/incidents/{incident.Id}/tasks.csv", HttpCompletionOption.ResponseHeadersRead, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        response.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe($"{incident.Reference}-tasks.csv");
        response.Content.Headers.ContentLength.ShouldBeNull("streamed, not buffered into a known length");
        var text = await response.Content.ReadAsStringAsync(Ct);
        var lines = text.Split('\n');
        lines[0].TrimEnd('\r').ShouldBe("task_id,title,hostname,external_id,site,os,tags,state,reason,assignee,updated_at");

        // every cell that a spreadsheet would evaluate starts with an apostrophe (after an opening quote if quoted)
        text.ShouldContain("'=HYPERLINK(\"\"http://x\"\")");
        text.ShouldContain("'+SUM(1,2)");
        text.ShouldContain("'-2+3");
        text.ShouldContain("'@cmd");
        text.ShouldContain("\"plain, \"\"quoted\"\"\"");
        foreach (var dangerous in hostile.Take(4))
        {
            text.ShouldNotContain("," + dangerous, Case.Sensitive, $"{dangerous} reached a cell unneutralised");
            text.ShouldNotContain(",\"" + dangerous, Case.Sensitive, $"{dangerous} reached a quoted cell unneutralised");
        }
        text.ShouldContain($",{device.Hostname},{device.ExternalId},{device.Site},Windows Server 2022,server,Pending,");
        text.ShouldContain(",'-EVIL-01,'-EVIL-01,'@rmm-evil,'=cmd|'/C calc'!A0,,,Pending,");
        lines.Count(l => l.Length > 0).ShouldBe(1 + hostile.Length + 2, "the header and one line per task");
    }
}

public sealed class TaskApiOnSqlite(SqliteApp app) : TaskApiTests(app), IClassFixture<SqliteApp>;

public sealed class TaskApiOnPostgreSql(PostgresApp app) : TaskApiTests(app), IClassFixture<PostgresApp>;
