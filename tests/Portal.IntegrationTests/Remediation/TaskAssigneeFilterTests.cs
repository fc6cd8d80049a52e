namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// "My tasks": an engineer narrows an incident's task list to what is assigned to them (API <c>assigneeId</c>, page "Assigned to
/// me"), or to what nobody has taken (<c>unassigned=true</c>); the filter keeps across pages and combines with the others.
/// </summary>
public sealed class TaskAssigneeFilterTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(Guid IncidentId, List<TaskDto> Tasks)> IncidentWithTasksAsync(HttpClient maya, string marker)
    {
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), $"Assignee filter {marker}", "Sev3");
        created.Dispose();
        List<TaskDto> tasks = [];
        for (var n = 0; n < 6; n++) tasks.Add(await maya.AddTaskAsync(incident.Id, title: $"{marker} host {n}"));
        var mayaId = app.Demo.User(DemoDirectory.Maya).Id;
        var samId = app.Demo.User(DemoDirectory.Sam).Id;
        foreach (var (task, person) in new[] { (tasks[0], mayaId), (tasks[2], mayaId), (tasks[4], mayaId), (tasks[1], samId) })
        {
            using var assigned = await maya.PostJsonAsync($"/api/v1/tasks/{task.Id}/assign", new { assigneeId = person });
            assigned.StatusCode.ShouldBe(HttpStatusCode.OK, await assigned.Content.ReadAsStringAsync(Ct));
        }
        return (incident.Id, tasks);
    }

    [Fact]
    public async Task The_api_lists_one_persons_tasks_or_the_unassigned_ones_across_pages()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incidentId, tasks) = await IncidentWithTasksAsync(maya, $"api-{Guid.NewGuid():N}"[..12]);
        var mayaId = app.Demo.User(DemoDirectory.Maya).Id;

        var hers = await maya.AllTasksAsync(incidentId, $"assigneeId={mayaId}", limit: 2);
        hers.Select(t => t.Id).ShouldBe([tasks[0].Id, tasks[2].Id, tasks[4].Id]);
        hers.ShouldAllBe(t => t.Assignee!.Id == mayaId);

        var nobodys = await maya.AllTasksAsync(incidentId, "unassigned=true", limit: 2);
        nobodys.Select(t => t.Id).ShouldBe([tasks[3].Id, tasks[5].Id]);

        var hersPending = await maya.AllTasksAsync(incidentId, $"assigneeId={mayaId}&state=Pending&q=api");
        hersPending.Count.ShouldBe(3, "combined with the other filters");

        using var both = await maya.GetAsync($"/api/v1/incidents/{incidentId}/tasks?assigneeId={mayaId}&unassigned=true", Ct);
        (await both.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("unassigned");
    }

    [Fact]
    public async Task The_page_shows_the_engineer_only_her_tasks_when_she_asks()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var marker = $"page-{Guid.NewGuid():N}"[..12];
        var (incidentId, _) = await IncidentWithTasksAsync(maya, marker);
        var page = await app.PageClientForAsync(DemoDirectory.Maya);

        var all = await page.GetStringAsync($"/incidents/{incidentId}/remediation", Ct);
        for (var n = 0; n < 6; n++) all.ShouldContain($"{marker} host {n}");

        var mine = await page.GetStringAsync($"/incidents/{incidentId}/remediation?mine=true", Ct);
        foreach (var n in new[] { 0, 2, 4 }) mine.ShouldContain($"{marker} host {n}");
        foreach (var n in new[] { 1, 3, 5 }) mine.ShouldNotContain($"{marker} host {n}");
        mine.ShouldContain("value=\"true\" checked=\"checked\" data-testid=\"filter-mine\"");
    }
}
