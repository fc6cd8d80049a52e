using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// An MSP engineer stops an import (the wrong file, the wrong incident): before, an uploaded file could only run to its end,
/// a million rows of tasks in the wrong incident. The import becomes Cancelled, its job writes no batch after the one being
/// written, what committed before stays, its file goes, and the timeline says who stopped it, for the MSP only. Every
/// refusal (a finished import, another MSP, the customer) is checked to have changed nothing.
/// </summary>
public abstract partial class CancelImportTests(ImportApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)""")]
    private static partial Regex AntiforgeryToken();

    /// <summary>An incident of Northwind with an import of <paramref name="batches"/> batches running (its first batch written), 200 ms apart.</summary>
    private async Task<(IncidentDto Incident, ImportDto Import)> RunningImportAsync(string title, int batches = 50)
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, $"{title} {Guid.NewGuid():N}"[..30], "Sev2");
        created.Dispose();
        var p = Guid.NewGuid().ToString("N")[..8];
        var import = await maya.StartImportAsync(incident.Id, "hostname\n" + string.Concat(Enumerable.Range(1, ImportApp.BatchSize * batches).Select(i => $"cancel-{p}-{i}\n")),
            $"wrong-{p}.csv");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await maya.GetImportAsync(import.Id)).TasksCreated == 0 && DateTime.UtcNow < deadline) await Task.Delay(20, Ct);
        return (incident, import);
    }

    private static Task<HttpResponseMessage> CancelAsync(HttpClient client, Guid importId) => client.PostAsync($"/api/v1/device-imports/{importId}/cancel", null, Ct);

    /// <summary>The import's file is still in the import folder (named after its id).</summary>
    private bool FileIsKept(Guid importId) => app.FilesInImportFolder().Any(f => Path.GetFileName(f).Contains(importId.ToString("N"), StringComparison.Ordinal));

    [Fact]
    public async Task Cancelling_a_running_import_stops_it_before_its_next_batch_and_keeps_what_it_wrote()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, import) = await RunningImportAsync("Import: cancelled");
        FileIsKept(import.Id).ShouldBeTrue("the file waits in the import folder while the import runs");

        using var cancelled = await CancelAsync(maya, import.Id);
        var answer = await cancelled.ReadAsync<ImportDto>();
        answer.Status.ShouldBe("Cancelled");
        answer.FinishedAt.ShouldNotBeNull();
        answer.TasksCreated.ShouldBeInRange(1, ImportApp.BatchSize * 50 - 1, "it was stopped part of the way");

        // Five pauses between batches later, nothing more was written, and what was written stays.
        await Task.Delay(1_000, Ct);
        var after = await maya.GetImportAsync(import.Id);
        after.Status.ShouldBe("Cancelled");
        after.TasksCreated.ShouldBe(answer.TasksCreated);
        after.LinesDone.ShouldBe(answer.LinesDone);
        (await maya.AllTasksAsync(incident.Id)).Count.ShouldBe((int)answer.TasksCreated, "no batch after the cancel was written, none before it undone");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (FileIsKept(import.Id) && DateTime.UtcNow < deadline) await Task.Delay(50, Ct);
        FileIsKept(import.Id).ShouldBeFalse("the job let go of the cancelled import's file and removed it");

        // The MSP's timeline says who stopped it and what stays; the customer's does not.
        var line = (await maya.TimelineAsync(incident.Id)).Where(e => e.Text.StartsWith("Cancelled the import of", StringComparison.Ordinal)).ShouldHaveSingleItem();
        line.Visibility.ShouldBe("Internal");
        line.Actor.ShouldBe("Maya Chen");
        line.Text.ShouldContain(import.FileName);
        line.Text.ShouldContain(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{answer.TasksCreated:N0} tasks it created stay"));
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        (await olivia.TimelineAsync(incident.Id)).ShouldNotContain(e => e.Text.Contains("Cancelled the import", StringComparison.Ordinal));

        // Asked again (a retried request): the same answer, nothing more on the timeline.
        using var again = await CancelAsync(maya, import.Id);
        var second = await again.ReadAsync<ImportDto>();
        second.Status.ShouldBe("Cancelled");
        second.FinishedAt.ShouldBe(after.FinishedAt, "as the import was read after the cancel: the same moment");
        (await maya.TimelineAsync(incident.Id)).Count(e => e.Text.StartsWith("Cancelled the import of", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task A_finished_import_is_not_cancelled_and_stays_as_it_finished()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, "Import: already done", "Sev3");
        created.Dispose();
        var p = Guid.NewGuid().ToString("N")[..8];
        var done = await maya.ImportAsync(incident.Id, $"hostname\ndone-{p}-1\ndone-{p}-2\n");
        done.Status.ShouldBe("Completed");

        using var refused = await CancelAsync(maya, done.Id);
        var problem = await refused.ReadProblemAsync(HttpStatusCode.Conflict);
        problem.Code.ShouldBe("import_finished");
        problem.Detail.ShouldNotBeNull().ShouldContain("already completed");
        var after = await maya.GetImportAsync(done.Id);
        after.Status.ShouldBe("Completed");
        after.FinishedAt.ShouldBe(done.FinishedAt);
        (await maya.TimelineAsync(incident.Id)).ShouldNotContain(e => e.Text.StartsWith("Cancelled the import of", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_msp_the_customer_a_provider_and_nobody_cannot_cancel_it_and_it_runs_on()
    {
        var (incident, import) = await RunningImportAsync("Import: not theirs", batches: 15);

        // Another MSP's lead: 404, exactly as for an import that does not exist.
        var jonas = await app.ClientForAsync(DemoDirectory.Jonas);
        using var foreign = await CancelAsync(jonas, import.Id);
        var foreignProblem = await foreign.ReadProblemAsync(HttpStatusCode.NotFound);
        var missingId = Guid.NewGuid();
        using var missing = await CancelAsync(jonas, missingId);
        (await missing.ReadProblemAsync(HttpStatusCode.NotFound)).Detail.ShouldBe(foreignProblem.Detail!.Replace(import.Id.ToString(), missingId.ToString(), StringComparison.Ordinal));

        // The customer's admin and a provider: imports are MSP work. Nobody signed in: 401.
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using var customer = await CancelAsync(olivia, import.Id);
        await customer.ReadProblemAsync(HttpStatusCode.Forbidden);
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        using var provider = await CancelAsync(priya, import.Id);
        await provider.ReadProblemAsync(HttpStatusCode.Forbidden);
        using var anonymous = await CancelAsync(app.Anonymous(), import.Id);
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var finished = await maya.WaitForImportAsync(import.Id);
        finished.Status.ShouldBe("Completed", "nobody who may not cancel it stopped it");
        finished.TasksCreated.ShouldBe(ImportApp.BatchSize * 15);
        (await app.QueryAsync(db => db.TimelineEntries.AnyAsync(e => e.IncidentId == incident.Id && e.Text.StartsWith("Cancelled the import of"))))
            .ShouldBeFalse();
    }

    [Fact]
    public async Task The_remediation_page_cancels_the_import_it_shows_after_asking()
    {
        var (incident, import) = await RunningImportAsync("Import: page cancel");
        using var page = await app.PageClientForAsync(DemoDirectory.Maya);
        var path = $"/incidents/{incident.Id}/remediation?import={import.Id}";
        var html = await page.GetStringAsync(path, Ct);
        html.ShouldContain("data-testid=\"cancel-import\"", Case.Sensitive, "a running import offers to cancel it");
        html.ShouldContain($"data-confirm=\"Cancel the import of {import.FileName}?", Case.Sensitive, "the page asks first: cancelling is final");

        using var posted = await page.PostAsync($"{path}&handler=CancelImport", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["import"] = import.Id.ToString(),
            ["__RequestVerificationToken"] = AntiforgeryToken().Match(html).Groups[1].Value,
        }), Ct);
        posted.StatusCode.ShouldBe(HttpStatusCode.Redirect, await posted.Content.ReadAsStringAsync(Ct));
        posted.Headers.Location!.ToString().ShouldBe($"/incidents/{incident.Id}/remediation?import={import.Id}");

        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        (await maya.GetImportAsync(import.Id)).Status.ShouldBe("Cancelled");
        var shown = await page.GetStringAsync(posted.Headers.Location.ToString(), Ct);
        shown.ShouldContain("Cancelled the import of " + import.FileName);
        shown.ShouldContain("data-import-status=\"Cancelled\"");
        shown.ShouldNotContain("data-testid=\"cancel-import\"", Case.Sensitive, "a cancelled import offers nothing more");

        // The same form again, from the page as it was: the import is already cancelled, and the page says so without an error.
        using var twice = await page.PostAsync($"{path}&handler=CancelImport", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["import"] = import.Id.ToString(),
            ["__RequestVerificationToken"] = AntiforgeryToken().Match(html).Groups[1].Value,
        }), Ct);
        twice.StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }
}

/// <summary>On SQLite a cancel waits for the writer lock a batch holds; the import's row is the same either way.</summary>
public sealed class CancelImportTestsOnSqlite(SlowImportApp app) : CancelImportTests(app), IClassFixture<SlowImportApp>;

/// <summary>On PostgreSQL the cancel's UPDATE waits for the row lock of a batch being written, then finds the import as that batch left it.</summary>
public sealed class CancelImportTestsOnPostgreSql(SlowImportPostgresApp app) : CancelImportTests(app), IClassFixture<SlowImportPostgresApp>;
