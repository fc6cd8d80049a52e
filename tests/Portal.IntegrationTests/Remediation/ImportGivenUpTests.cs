using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Features.Remediation;

namespace Portal.IntegrationTests.Remediation;

/// <summary>An import that gives up after three runs in a row without progress (the default is five).</summary>
public sealed class GivingUpImportApp() : ImportApp(DbProvider.Sqlite, null)
{
    public const int MaxStalledRuns = 3;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Remediation:Import:MaxStalledRuns", MaxStalledRuns.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>One run of the job, as Hangfire (a retry) or the sweep (a hand-out) starts it.</summary>
    public async Task RunJobAsync(Guid importId)
    {
        await using var scope = Services.CreateAsyncScope();
        await ActivatorUtilities.CreateInstance<DeviceImportJob>(scope.ServiceProvider).RunAsync(importId, TestContext.Current.CancellationToken);
    }
}

/// <summary>
/// An import whose runs keep failing the same way (a row the database refuses every time, a process that dies during each run)
/// is marked Failed, saying why, after <c>Remediation:Import:MaxStalledRuns</c> runs in a row without a committed batch. It used
/// to stay Running for ever: Hangfire retried it three times, then the sweep handed it out again every minute, and so on.
/// The refusal here is the database's own (a trigger), not a stand-in.
/// </summary>
public sealed class ImportGivenUpTests(GivingUpImportApp app) : IClassFixture<GivingUpImportApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_batch_the_database_refuses_on_every_attempt_fails_the_import_after_the_limit_and_keeps_the_lines_before()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Import: refused every time", "Sev2");
        created.Dispose();
        var p = Guid.NewGuid().ToString("N")[..8];
        await RefuseHostnamesAsync($"refused-{p}-%");

        // One whole batch, then a batch with the row the database refuses.
        var good = Enumerable.Range(1, ImportApp.BatchSize).Select(i => $"fine-{p}-{i}\n");
        var import = await maya.StartImportAsync(incident.Id, "hostname\n" + string.Concat(good) + $"refused-{p}-1\nfine-{p}-after\n");

        // Hangfire's own first run commits the whole batch, then meets the refused row.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await maya.GetImportAsync(import.Id)).LinesDone <= ImportApp.BatchSize && DateTime.UtcNow < deadline) await Task.Delay(20, Ct);

        var runs = 0;
        while (!(await maya.GetImportAsync(import.Id)).IsFinished && runs <= GivingUpImportApp.MaxStalledRuns + 1)
        {
            runs++;
            try { await app.RunJobAsync(import.Id); }
            catch (SqliteException e) when (e.Message.Contains("refused by the test", StringComparison.Ordinal)) { }
        }

        var finished = await maya.GetImportAsync(import.Id);
        finished.Status.ShouldBe("Failed", $"after {runs} runs of the job beside Hangfire's own");
        runs.ShouldBeLessThanOrEqualTo(GivingUpImportApp.MaxStalledRuns, "Hangfire's first run counts too");
        finished.Failure.ShouldNotBeNull().ShouldContain($"stopped after {GivingUpImportApp.MaxStalledRuns} attempts in a row");
        finished.Failure.ShouldContain($"after line {ImportApp.BatchSize + 1}");
        finished.Failure.ShouldContain("SqliteException");
        finished.Failure.ShouldNotContain("refused by the test", Case.Sensitive, "the database's text stays in the log");
        finished.LinesDone.ShouldBe(ImportApp.BatchSize + 1);
        finished.TasksCreated.ShouldBe(ImportApp.BatchSize, "the batch before the refused row stays imported");
        (await maya.AllTasksAsync(incident.Id)).Count.ShouldBe(ImportApp.BatchSize);
        app.FilesInImportFolder().ShouldNotContain(f => f.Contains(import.Id.ToString("N"), StringComparison.Ordinal), "a failed import's file is deleted");

        // Hangfire's retry, or the sweep, finds it finished and leaves it so.
        await app.RunJobAsync(import.Id);
        (await maya.GetImportAsync(import.Id)).ShouldBe(finished);
    }

    [Fact]
    public async Task Runs_that_die_without_a_word_fail_the_import_at_the_next_run_after_the_limit()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Import: dies every time", "Sev2");
        created.Dispose();
        var p = Guid.NewGuid().ToString("N")[..8];
        await RefuseHostnamesAsync($"dies-{p}-%");
        var import = await maya.StartImportAsync(incident.Id, $"hostname\ndies-{p}-1\n");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await StalledRunsAsync(import.Id) == 0 && DateTime.UtcNow < deadline) await Task.Delay(50, Ct);

        // As if each earlier run had been killed with its process (nothing recorded but that it began): the limit is used up.
        await app.QueryAsync(db => db.DeviceImports.Where(i => i.Id == import.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.StalledRuns, GivingUpImportApp.MaxStalledRuns), Ct));

        await app.RunJobAsync(import.Id); // gives up before it tries: no exception

        var finished = await maya.GetImportAsync(import.Id);
        finished.Status.ShouldBe("Failed");
        finished.Failure.ShouldNotBeNull().ShouldContain($"stopped after {GivingUpImportApp.MaxStalledRuns} attempts in a row");
        finished.Failure.ShouldContain("as if the server stopped during it");
        finished.TasksCreated.ShouldBe(0);
    }

    [Fact]
    public async Task A_run_that_commits_a_batch_starts_the_count_again()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Import: progress resets", "Sev3");
        created.Dispose();
        var p = Guid.NewGuid().ToString("N")[..8];
        var import = await maya.StartImportAsync(incident.Id, "hostname\n" + string.Concat(Enumerable.Range(1, 3).Select(i => $"fresh-{p}-{i}\n")));

        var finished = await maya.WaitForImportAsync(import.Id);

        finished.Status.ShouldBe("Completed");
        (await StalledRunsAsync(import.Id)).ShouldBe(0, "its run committed a batch");
    }

    private Task<int> StalledRunsAsync(Guid importId) =>
        app.QueryAsync(db => db.DeviceImports.Where(i => i.Id == importId).Select(i => i.StalledRuns).SingleAsync(Ct));

    /// <summary>The database refuses these devices, as a constraint or a full disk would, on every attempt (DDL takes no parameters).</summary>
    private Task<int> RefuseHostnamesAsync(string likePattern)
    {
        var trigger = $"""CREATE TRIGGER "refuse_{Guid.NewGuid():N}" BEFORE INSERT ON "Devices" WHEN NEW."Hostname" LIKE '{likePattern}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;""";
        return app.QueryAsync(db => db.Database.ExecuteSqlRawAsync(trigger, Ct));
    }
}
