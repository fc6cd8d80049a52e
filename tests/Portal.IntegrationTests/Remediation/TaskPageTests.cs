using System.Text.RegularExpressions;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// One task's page (<c>/tasks/{id}</c>) and the free-task form on the remediation page. Before, moving one task, handing it to
/// someone, reading its history or correcting its device could only be done through the API. Every form is checked against the
/// API's answer afterwards, and every refusal (a bad move, a foreign assignee, a taken device key, another MSP, the customer, a
/// closed incident) is checked to have changed nothing.
/// </summary>
public abstract partial class TaskPageTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);
    private static readonly string[] KioskTag = ["kiosk"];

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)""")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("""type="hidden" name="Version" value="(\d+)""")]
    private static partial Regex FormVersion();

    [GeneratedRegex("""type="hidden" name="DeviceVersion" value="(\d+)""")]
    private static partial Regex DeviceFormVersion();

    [GeneratedRegex("""name="Versions\[([0-9a-f-]+)\]" value="(\d+)""")]
    private static partial Regex ListedVersion();

    /// <summary>An incident of Northwind with one task for a device of its own (the test corrects the device; demo devices stay as they are).</summary>
    private async Task<(IncidentDto Incident, TaskDto Task, DeviceDto Device)> IncidentWithDeviceTaskAsync(string title)
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, $"{title} {Guid.NewGuid():N}"[..30], "Sev2");
        created.Dispose();
        using var registered = await maya.PostJsonAsync($"/api/v1/tenants/{Northwind}/devices",
            new { hostname = $"KIOSK-{Guid.NewGuid():N}"[..14], externalId = $"page-{Guid.NewGuid():N}", operatingSystem = "Windows 11 23H2", site = "Gate B", tags = KioskTag });
        var device = await registered.ReadAsync<DeviceDto>(HttpStatusCode.Created);
        return (incident, await maya.AddTaskAsync(incident.Id, device.Id), device);
    }

    private static async Task<TaskDto> TaskAsync(HttpClient api, Guid taskId)
    {
        using var response = await api.GetAsync($"/api/v1/tasks/{taskId}", Ct);
        return await response.ReadAsync<TaskDto>();
    }

    /// <summary>As a browser would: the page is read, then its form sent with the page's token and the version it shows.</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient page, string path, string handler, Dictionary<string, string> fields) =>
        await SendFormAsync(page, path, handler, await page.GetStringAsync(path, Ct), fields);

    private static async Task<HttpResponseMessage> SendFormAsync(HttpClient page, string path, string handler, string html, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = AntiforgeryToken().Match(html).Groups[1].Value;
        if (FormVersion().Match(html) is { Success: true } version) fields.TryAdd("Version", version.Groups[1].Value);
        if (DeviceFormVersion().Match(html) is { Success: true } deviceVersion) fields.TryAdd("DeviceVersion", deviceVersion.Groups[1].Value);
        return await page.PostAsync($"{path}?handler={handler}", new FormUrlEncodedContent(fields), Ct);
    }

    /// <summary>
    /// Right-to-left names read in their own direction wherever they stand in a left-to-right page: the element holding them takes its
    /// direction from them (dir="auto"). Without it "خادم-الطيران-01" showed as "01-خادم-الطيران" in the task list.
    /// </summary>
    [Fact]
    public async Task A_right_to_left_title_or_hostname_is_set_in_its_own_direction()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, $"خوادم الطيران متوقفة {tag}", "Sev3");
        created.Dispose();
        using var registered = await maya.PostJsonAsync($"/api/v1/tenants/{Northwind}/devices", new { hostname = $"خادم-الطيران-{tag}" });
        var device = await registered.ReadAsync<DeviceDto>(HttpStatusCode.Created);
        await maya.AddTaskAsync(incident.Id, device.Id);
        using var page = await app.PageClientForAsync(DemoDirectory.Maya);
        string Html(string text) => System.Text.Encodings.Web.HtmlEncoder.Default.Encode(text); // as Razor writes it

        (await page.GetStringAsync($"/incidents/{incident.Id}/remediation", Ct)).ShouldContain($"dir=\"auto\">{Html(device.Hostname)}</a>", Case.Sensitive, "the task list");
        (await page.GetStringAsync($"/triage?q={tag}", Ct)).ShouldContain($"dir=\"auto\">{Html(incident.Title)}</a>", Case.Sensitive, "the queue");
        (await page.GetStringAsync($"/incidents/{incident.Id}", Ct)).ShouldContain($"<span dir=\"auto\">{Html(incident.Title)}</span></h1>", Case.Sensitive, "the incident page");
    }

    [Fact]
    public async Task The_engineer_moves_assigns_takes_and_corrects_a_task_from_its_page_as_the_api_would()
    {
        var (incident, task, device) = await IncidentWithDeviceTaskAsync("Task page");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using var page = await app.PageClientForAsync(DemoDirectory.Maya);
        var path = $"/tasks/{task.Id}";

        (await page.GetStringAsync($"/incidents/{incident.Id}/remediation", Ct)).ShouldContain($"href=\"/tasks/{task.Id}\"", Case.Sensitive, "the task list links each task to its page");
        var html = await page.GetStringAsync(path, Ct);
        html.ShouldContain(device.Hostname);
        html.ShouldContain(device.ExternalId!);
        html.ShouldContain("data-testid=\"no-history\"");
        html.ShouldContain("data-testid=\"take-task\"", Case.Sensitive, "Maya may take a task nobody has");

        // Blocked needs a reason: refused beside the field, nothing moved.
        using (var noReason = await PostFormAsync(page, path, "State", new() { ["NewState"] = "Blocked" }))
        {
            noReason.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await noReason.Content.ReadAsStringAsync(Ct)).ShouldContain("Say why the task is Blocked.");
        }
        (await TaskAsync(maya, task.Id)).State.ShouldBe("Pending");

        using (var blocked = await PostFormAsync(page, path, "State", new() { ["NewState"] = "Blocked", ["Reason"] = "BitLocker key not escrowed" }))
            blocked.StatusCode.ShouldBe(HttpStatusCode.Redirect, await blocked.Content.ReadAsStringAsync(Ct));
        var read = await TaskAsync(maya, task.Id);
        (read.State, read.Reason).ShouldBe(("Blocked", "BitLocker key not escrowed"));
        html = await page.GetStringAsync(path, Ct);
        html.ShouldContain("data-testid=\"task-history\"");
        html.ShouldContain("Maya Chen");
        html.ShouldContain("BitLocker key not escrowed");

        // A move the state does not allow (Done → Blocked) is a 409 with the domain's words; the task stays Done.
        await maya.SetStateAsync(task.Id, "Done");
        using (var notAllowed = await PostFormAsync(page, path, "State", new() { ["NewState"] = "Blocked", ["Reason"] = "again" }))
        {
            notAllowed.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await notAllowed.Content.ReadAsStringAsync(Ct)).ShouldContain("class=\"banner");
        }
        (await TaskAsync(maya, task.Id)).State.ShouldBe("Done");

        // Assign to Sam, take it, give it back to nobody; an engineer of another MSP is not assignable.
        var sam = app.Demo.User(DemoDirectory.Sam);
        using (var assigned = await PostFormAsync(page, path, "Assign", new() { ["AssigneeId"] = sam.Id.ToString() }))
            assigned.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await TaskAsync(maya, task.Id)).Assignee!.Name.ShouldBe(sam.Name);
        using (var taken = await PostFormAsync(page, path, "Assign", new() { ["AssigneeId"] = app.Demo.User(DemoDirectory.Maya).Id.ToString() }))
            taken.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await TaskAsync(maya, task.Id)).Assignee!.Id.ShouldBe(app.Demo.User(DemoDirectory.Maya).Id);
        (await page.GetStringAsync(path, Ct)).ShouldNotContain("data-testid=\"take-task\"", Case.Sensitive, "nothing to take: it is hers");
        using (var foreign = await PostFormAsync(page, path, "Assign", new() { ["AssigneeId"] = app.Demo.User(DemoDirectory.Ines).Id.ToString() }))
        {
            foreign.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await foreign.Content.ReadAsStringAsync(Ct)).ShouldContain("The assignee must be an engineer or lead of an MSP that manages this tenant.");
        }
        using (var unassigned = await PostFormAsync(page, path, "Assign", new() { ["AssigneeId"] = "" }))
            unassigned.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await TaskAsync(maya, task.Id)).Assignee.ShouldBeNull();

        // Correct the device: the task list and the device read the new site and tags.
        var fields = new Dictionary<string, string>
        {
            ["Hostname"] = device.Hostname, ["ExternalId"] = device.ExternalId!, ["OperatingSystem"] = "Windows 11 23H2",
            ["Site"] = "Gate C", ["Tags"] = "kiosk, Gate-C",
        };
        using (var saved = await PostFormAsync(page, path, "Device", new(fields)))
            saved.StatusCode.ShouldBe(HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync(Ct));
        var corrected = await TaskAsync(maya, task.Id);
        corrected.Device!.Site.ShouldBe("Gate C");
        corrected.Device.Tags.ShouldBe(["gate-c", "kiosk"]);

        // Another device's RMM id is that device's key: 409, and this device keeps its own. An empty hostname is a 400.
        var other = (await app.DevicesOfAsync(Northwind)).First(d => d.ExternalId is not null && d.Id != device.Id);
        using (var taken = await PostFormAsync(page, path, "Device", new(fields) { ["ExternalId"] = other.ExternalId! }))
        {
            taken.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            var body = await taken.Content.ReadAsStringAsync(Ct);
            body.ShouldContain($"external id &#x27;{other.ExternalId}&#x27;");
            body.ShouldContain($"value=\"{other.ExternalId}\"", Case.Sensitive, "the form keeps what was typed");
        }
        using (var empty = await PostFormAsync(page, path, "Device", new(fields) { ["Hostname"] = " " }))
        {
            empty.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await empty.Content.ReadAsStringAsync(Ct)).ShouldContain("The hostname is required.");
        }
        using (var kept = await maya.GetAsync($"/api/v1/devices/{device.Id}", Ct))
        {
            var now = await kept.ReadAsync<DeviceDto>();
            (now.Hostname, now.ExternalId, now.Site).ShouldBe((device.Hostname, device.ExternalId, "Gate C"));
        }

        // A renamed host: its task reads as the new name on the page, in the list and in the export.
        var renamed = device.Hostname + "-R";
        using (var rename = await PostFormAsync(page, path, "Device", new(fields) { ["Hostname"] = renamed }))
            rename.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await TaskAsync(maya, task.Id)).Title.ShouldBe(renamed);
        (await maya.AllTasksAsync(incident.Id)).Single().Title.ShouldBe(renamed);
        (await page.GetStringAsync(path, Ct)).ShouldContain($"<h1>{renamed}</h1>");
        var csv = await maya.GetStringAsync($"/api/v1/incidents/{incident.Id}/tasks.csv", Ct);
        csv.Split('\n')[1].ShouldStartWith($"{task.Id},{renamed},{renamed},");
    }

    [Fact]
    public async Task A_form_from_before_a_colleagues_change_is_refused_and_the_page_shows_what_happened()
    {
        var (_, task, _) = await IncidentWithDeviceTaskAsync("Task page stale");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var sam = await app.ClientForAsync(DemoDirectory.Sam);
        using var page = await app.PageClientForAsync(DemoDirectory.Maya);
        var path = $"/tasks/{task.Id}";
        var before = await page.GetStringAsync(path, Ct);
        FormVersion().Match(before).Groups[1].Value.ShouldBe(task.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Sam takes the machine while Maya's page is open; her "Take it" from that page does not take it from him.
        using (var taken = await sam.PostJsonAsync($"/api/v1/tasks/{task.Id}/assign", new { assigneeId = app.Demo.User(DemoDirectory.Sam).Id }))
            taken.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var stale = await SendFormAsync(page, path, "Assign", before, new() { ["AssigneeId"] = app.Demo.User(DemoDirectory.Maya).Id.ToString() }))
        {
            stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            var html = await stale.Content.ReadAsStringAsync(Ct);
            html.ShouldContain("Someone changed this task while you had the page open.");
            html.ShouldContain("data-testid=\"task-assignee\">Sam Okafor<", Case.Sensitive, "the page shows who has it now");
        }
        (await TaskAsync(maya, task.Id)).Assignee!.Name.ShouldBe("Sam Okafor");

        // The RMM script reports it failed; a move decided on the older page is refused too, and the failure stands.
        await sam.SetStateAsync(task.Id, "Failed", "Still boot-looping");
        using (var stale = await SendFormAsync(page, path, "State", before, new() { ["NewState"] = "Done" }))
            stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await TaskAsync(maya, task.Id)).State.ShouldBe("Failed");
        // From the page as it is now, the move is made.
        using (var fresh = await PostFormAsync(page, path, "State", new() { ["NewState"] = "Done" }))
            fresh.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await TaskAsync(maya, task.Id)).State.ShouldBe("Done");
    }

    [Fact]
    public async Task A_device_correction_from_before_a_colleagues_is_refused_and_keeps_the_colleagues_fields()
    {
        var (_, task, device) = await IncidentWithDeviceTaskAsync("Device stale");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using var page = await app.PageClientForAsync(DemoDirectory.Maya);
        var path = $"/tasks/{task.Id}";
        var before = await page.GetStringAsync(path, Ct);

        // Sam moves the kiosk to Gate D through the API (with the version he read); Maya's form from before would put Gate B back.
        var sam = await app.ClientForAsync(DemoDirectory.Sam);
        using (var read = await sam.GetAsync($"/api/v1/devices/{device.Id}", Ct))
        {
            read.Headers.ETag!.Tag.ShouldBe($"\"{device.Version}\"");
            using var moved = await sam.SendRawAsync(HttpMethod.Put, $"/api/v1/devices/{device.Id}",
                $$"""{"hostname":"{{device.Hostname}}","externalId":"{{device.ExternalId}}","site":"Gate D","tags":["kiosk","moved"]}""", ifMatch: read.Headers.ETag.Tag);
            var saved = await moved.ReadAsync<DeviceDto>();
            moved.Headers.ETag!.Tag.ShouldBe($"\"{saved.Version}\"");
            saved.Version.ShouldNotBe(device.Version);
        }
        Dictionary<string, string> Fields() => new() { ["Hostname"] = device.Hostname, ["ExternalId"] = device.ExternalId!, ["OperatingSystem"] = "Windows 11 24H2", ["Site"] = "Gate B", ["Tags"] = "kiosk" };
        using (var stale = await SendFormAsync(page, path, "Device", before, Fields()))
        {
            stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            var html = await stale.Content.ReadAsStringAsync(Ct);
            html.ShouldContain("Someone changed this device while you had the page open.");
            html.ShouldContain("data-testid=\"device-site\">Gate D<", Case.Sensitive, "the page shows the colleague's correction");
        }
        using (var stale = await maya.SendRawAsync(HttpMethod.Put, $"/api/v1/devices/{device.Id}", """{"hostname":"KIOSK-OLD","site":"Gate B"}""", ifMatch: $"\"{device.Version}\""))
        {
            var problem = await stale.ReadProblemAsync(HttpStatusCode.Conflict);
            (problem.Code, problem.Detail!.StartsWith($"The device has changed since version {device.Version}", StringComparison.Ordinal)).ShouldBe(("stale_version", true));
        }
        using (var now = await maya.GetAsync($"/api/v1/devices/{device.Id}", Ct))
        {
            var kept = await now.ReadAsync<DeviceDto>();
            kept.Site.ShouldBe("Gate D");
            kept.Tags.ShouldBe(["kiosk", "moved"]);
        }
        // From the page as it is now, the correction is made.
        using (var fresh = await PostFormAsync(page, path, "Device", Fields()))
            fresh.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await TaskAsync(maya, task.Id)).Device!.Site.ShouldBe("Gate B");
    }

    [Fact]
    public async Task The_api_carries_the_tasks_version_as_an_etag_and_if_match_refuses_a_stale_change()
    {
        var (_, task, _) = await IncidentWithDeviceTaskAsync("Task etag");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using var read = await maya.GetAsync($"/api/v1/tasks/{task.Id}", Ct);
        read.Headers.ETag!.Tag.ShouldBe($"\"{task.Version}\"");

        long current;
        using (var moved = await maya.PostJsonAsync($"/api/v1/tasks/{task.Id}/state", new { state = "InProgress" }, ifMatch: $"\"{task.Version}\""))
        {
            var view = await moved.ReadAsync<TaskDto>();
            view.Version.ShouldNotBe(task.Version);
            moved.Headers.ETag!.Tag.ShouldBe($"\"{view.Version}\"");
            current = view.Version;
        }
        foreach (var (url, body) in new (string, object)[] { ($"/api/v1/tasks/{task.Id}/state", new { state = "Done" }), ($"/api/v1/tasks/{task.Id}/assign", new { assigneeId = (Guid?)null }) })
        {
            using var stale = await maya.PostJsonAsync(url, body, ifMatch: $"\"{task.Version}\"");
            var problem = await stale.ReadProblemAsync(HttpStatusCode.Conflict);
            problem.Code.ShouldBe("stale_version");
            problem.Detail!.ShouldStartWith($"The task has changed since version {task.Version}");
            problem.CurrentVersion.ShouldBe(current, "PostgreSQL's version is the row's xmin, not a counter");
        }
        using (var bad = await maya.PostJsonAsync($"/api/v1/tasks/{task.Id}/state", new { state = "Done" }, ifMatch: "yesterday"))
            (await bad.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("If-Match");
        (await TaskAsync(maya, task.Id)).State.ShouldBe("InProgress");
        using (var created = await maya.PostJsonAsync($"/api/v1/incidents/{task.IncidentId}/tasks", new { title = "Call the vendor" }))
        {
            var view = await created.ReadAsync<TaskDto>(HttpStatusCode.Created);
            created.Headers.ETag!.Tag.ShouldBe($"\"{view.Version}\"");
            created.Headers.Location!.ToString().ShouldBe($"/api/v1/tasks/{view.Id}");
            (await TaskAsync(maya, view.Id)).Title.ShouldBe("Call the vendor", "the Location answers");
        }
    }

    [Fact]
    public async Task Another_msp_the_customer_and_a_provider_find_no_such_task_and_change_nothing()
    {
        var (_, task, _) = await IncidentWithDeviceTaskAsync("Task page outsiders");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        foreach (var email in new[] { DemoDirectory.Ines, DemoDirectory.Olivia, DemoDirectory.Priya })
        {
            using var outsider = await app.PageClientForAsync(email);
            using (var read = await outsider.GetAsync($"/tasks/{task.Id}", Ct))
            {
                read.StatusCode.ShouldBe(HttpStatusCode.NotFound, email);
                var body = await read.Content.ReadAsStringAsync(Ct);
                body.ShouldContain("No such task");
                body.ShouldNotContain(task.Title);
            }
            // A form posted with the outsider's own valid token (from the page their start page leads to) is refused the same way.
            using var start = await outsider.GetAsync("/", Ct);
            var home = start.Headers.Location is { } location ? await outsider.GetStringAsync(location, Ct) : await start.Content.ReadAsStringAsync(Ct);
            var token = AntiforgeryToken().Match(home).Groups[1].Value;
            token.ShouldNotBeEmpty(email);
            foreach (var (handler, field, value) in new[] { ("State", "NewState", "Done"), ("Assign", "AssigneeId", ""), ("Device", "Hostname", "HIJACKED") })
            {
                using var posted = await outsider.PostAsync($"/tasks/{task.Id}?handler={handler}",
                    new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, [field] = value }), Ct);
                posted.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{email} {handler}");
            }
        }
        var after = await TaskAsync(maya, task.Id);
        (after.State, after.Assignee, after.Device!.Hostname).ShouldBe(("Pending", (PersonDto?)null, task.Device!.Hostname));

        using var anonymous = app.Anonymous();
        using var signIn = await anonymous.GetAsync($"/tasks/{task.Id}", Ct);
        signIn.StatusCode.ShouldBeOneOf(HttpStatusCode.Redirect, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_closed_incidents_task_page_has_no_forms_and_its_posts_are_refused()
    {
        var (incident, task, _) = await IncidentWithDeviceTaskAsync("Task page closed");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        await maya.AcknowledgeAsync(incident.Id);
        await maya.ChangeStatusAsync(incident.Id, "Resolved");
        using var page = await app.PageClientForAsync(DemoDirectory.Maya);
        var path = $"/tasks/{task.Id}";
        var tasksPath = $"/incidents/{incident.Id}/remediation";
        (await page.GetStringAsync(path, Ct)).ShouldContain("handler=State", Case.Sensitive, "a resolved incident still takes late results");
        (await page.GetStringAsync(tasksPath, Ct)).ShouldContain("handler=AddTask");
        await maya.ChangeStatusAsync(incident.Id, "Closed");

        var html = await page.GetStringAsync(path, Ct);
        html.ShouldContain("data-testid=\"closed-task\"");
        html.ShouldNotContain("handler=State");
        html.ShouldNotContain("handler=Assign");
        (await page.GetStringAsync(tasksPath, Ct)).ShouldNotContain("handler=AddTask");
        using (var moved = await PostFormAsync(page, path, "State", new() { ["NewState"] = "Done" }))
        {
            moved.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await moved.Content.ReadAsStringAsync(Ct)).ShouldContain("closed");
        }
        using (var added = await PostFormAsync(page, tasksPath, "AddTask", new() { ["NewTaskTitle"] = "Too late" }))
            added.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await TaskAsync(maya, task.Id)).State.ShouldBe("Pending");
        (await maya.AllTasksAsync(incident.Id)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task The_remediation_page_adds_a_task_of_its_own_and_refuses_an_empty_or_broken_title()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, $"Free task {Guid.NewGuid():N}"[..30], "Sev2");
        created.Dispose();
        using var page = await app.PageClientForAsync(DemoDirectory.Maya);
        var path = $"/incidents/{incident.Id}/remediation";

        using (var added = await PostFormAsync(page, path, "AddTask", new() { ["NewTaskTitle"] = "Rotate the BitLocker recovery keys" }))
            added.StatusCode.ShouldBe(HttpStatusCode.Redirect, await added.Content.ReadAsStringAsync(Ct));
        var tasks = await maya.AllTasksAsync(incident.Id);
        tasks.Select(t => (t.Title, t.Device, t.State)).ShouldBe([("Rotate the BitLocker recovery keys", (TaskDeviceDto?)null, "Pending")]);
        (await maya.IncidentProgressAsync(incident.Id)).Counts.Total.ShouldBe(0, "the counters count devices");
        var listed = await page.GetStringAsync(path, Ct);
        listed.ShouldContain("No devices yet.");
        listed.ShouldContain("Rotate the BitLocker recovery keys", Case.Sensitive, "the free task is in the list");
        var free = await page.GetStringAsync($"/tasks/{tasks[0].Id}", Ct);
        free.ShouldContain("None: a task of its own");
        free.ShouldNotContain("handler=Device", Case.Sensitive, "no device to correct");
        using (var noDevice = await PostFormAsync(page, $"/tasks/{tasks[0].Id}", "Device", new() { ["Hostname"] = "KIOSK-1" }))
        {
            noDevice.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await noDevice.Content.ReadAsStringAsync(Ct)).ShouldContain("This task is not for a device: there is no device to change.");
        }

        foreach (var (title, message) in new[] { ("", "A task needs a deviceId or a title."), ("Pasted\u000Bline", "title"), (new string('t', 201), "at most 200") })
        {
            using var refused = await PostFormAsync(page, path, "AddTask", new() { ["NewTaskTitle"] = title });
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, title);
            (await refused.Content.ReadAsStringAsync(Ct)).ShouldContain(message);
        }
        (await maya.AllTasksAsync(incident.Id)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Ticked_tasks_a_colleague_changed_after_the_page_was_loaded_are_left_as_they_are_and_the_page_says_so()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var sam = await app.ClientForAsync(DemoDirectory.Sam);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, $"Stale bulk {Guid.NewGuid():N}"[..30], "Sev2");
        created.Dispose();
        var tasks = new List<TaskDto>();
        foreach (var title in new[] { "Re-image kiosk A", "Re-image kiosk B", "Re-image kiosk C", "Swap the kiosk printer" }) tasks.Add(await maya.AddTaskAsync(incident.Id, title: title));
        await maya.SetStateAsync(tasks[3].Id, "NotApplicable"); // shown so: it cannot go to In progress
        using var page = await app.PageClientForAsync(DemoDirectory.Maya);
        var path = $"/incidents/{incident.Id}/remediation";
        var html = await page.GetStringAsync(path, Ct);
        var versions = ListedVersion().Matches(html).ToDictionary(m => Guid.Parse(m.Groups[1].Value), m => m.Groups[2].Value);
        versions.Keys.ShouldBe(tasks.Select(t => t.Id), ignoreOrder: true);

        // While Maya's page is open, Sam (or the RMM tool) finishes kiosk A.
        await sam.SetStateAsync(tasks[0].Id, "Done");

        // Maya ticks all three (the page as she loaded it) and sets them In progress.
        var fields = new List<KeyValuePair<string, string>>
        {
            new("__RequestVerificationToken", AntiforgeryToken().Match(html).Groups[1].Value),
            new("NewState", "InProgress"),
        };
        fields.AddRange(tasks.Select(t => new KeyValuePair<string, string>("Selected", t.Id.ToString())));
        fields.AddRange(versions.Select(v => new KeyValuePair<string, string>($"Versions[{v.Key}]", v.Value)));
        using var sent = await page.PostAsync($"{path}?handler=SetState", new FormUrlEncodedContent(fields), Ct);

        sent.StatusCode.ShouldBe(HttpStatusCode.Redirect, await sent.Content.ReadAsStringAsync(Ct));
        var after = await maya.AllTasksAsync(incident.Id);
        after.Single(t => t.Id == tasks[0].Id).State.ShouldBe("Done", "Sam's change stands");
        after.Where(t => t.Id == tasks[1].Id || t.Id == tasks[2].Id).Select(t => t.State).ShouldBe(["InProgress", "InProgress"]);
        (await maya.TaskHistoryAsync(tasks[0].Id)).Select(h => (h.Actor, h.To)).ShouldBe([("Sam Okafor", "Done")]);
        var next = await page.GetStringAsync(sent.Headers.Location!.ToString(), Ct);
        next.ShouldContain("2 tasks set to In progress; 1 cannot go there from their state (Swap the kiosk printer); "
            + "1 was changed by someone else since this page was loaded and was left as it is (Re-image kiosk A; below, as now)");
    }

    [Fact]
    public async Task A_bulk_item_naming_an_old_version_is_stale_version_and_the_others_move()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, $"Stale items {Guid.NewGuid():N}"[..30], "Sev2");
        created.Dispose();
        var first = await maya.AddTaskAsync(incident.Id, title: "Call the vendor");
        var second = await maya.AddTaskAsync(incident.Id, title: "Rotate the keys");
        var moved = await maya.SetStateAsync(first.Id, "InProgress");
        moved.Version.ShouldNotBe(first.Version);

        var result = await maya.BulkAsync(incident.Id, new
        {
            state = "Done",
            items = new object[] { new { taskId = first.Id, version = first.Version }, new { taskId = second.Id, version = second.Version } },
        });

        (result.Updated, result.StaleVersion).ShouldBe((1, 1));
        var stale = result.Items.Single(i => i.TaskId == first.Id);
        (stale.Result, stale.State, stale.Title).ShouldBe(("stale_version", "InProgress", "Call the vendor"), "named, so the caller knows which");
        result.Items.Single(i => i.TaskId == second.Id).Title.ShouldBeNull("an applied item is not named again");
        stale.Message.ShouldNotBeNull().ShouldContain("Read it again and decide");
        var left = await TaskAsync(maya, first.Id);
        (left.State, left.Version, left.Reason).ShouldBe((moved.State, moved.Version, moved.Reason), "left exactly as it was");
        (await TaskAsync(maya, second.Id)).State.ShouldBe("Done");

        var current = await maya.BulkAsync(incident.Id, new { state = "Done", items = new object[] { new { taskId = first.Id, version = moved.Version } } });
        (current.Updated, current.StaleVersion).ShouldBe((1, 0), "the version it has now is accepted");
    }

    [Fact]
    public async Task The_api_reads_one_task_as_the_list_shows_it()
    {
        var (incident, task, _) = await IncidentWithDeviceTaskAsync("Task read");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        await maya.SetStateAsync(task.Id, "Failed", "Disk encrypted, no key");
        var listed = (await maya.AllTasksAsync(incident.Id)).Single();
        var read = await TaskAsync(maya, task.Id);
        read.ShouldBeEquivalentTo(listed);
        read.NextStates.ShouldBe(["Pending", "InProgress", "Blocked", "Done", "NotApplicable"]);
        using var missing = await maya.GetAsync($"/api/v1/tasks/{Guid.NewGuid()}", Ct);
        (await missing.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such task");
    }
}

public sealed class TaskPageOnSqlite(SqliteApp app) : TaskPageTests(app), IClassFixture<SqliteApp>;

public sealed class TaskPageOnPostgreSql(PostgresApp app) : TaskPageTests(app), IClassFixture<PostgresApp>;
