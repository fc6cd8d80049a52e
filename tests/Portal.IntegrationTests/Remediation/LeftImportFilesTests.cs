using Microsoft.Extensions.DependencyInjection;
using Portal.Features.Remediation;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// The import folder does not fill up with files nothing will read again. A job removes its import's file when it finishes,
/// unless it died first or never ran (a cancelled import whose job storage was lost); an upload cut off mid-way leaves its
/// staging file; a process killed between placing the file and committing its import leaves a file without a row.
/// Before, all of them stayed for ever; now the minutely sweep removes them, and nothing an import may still read.
/// </summary>
public sealed class LeftImportFilesTests(SlowImportApp app) : IClassFixture<SlowImportApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Folder => Directory.CreateDirectory(app.ImportFolder).FullName;

    private string Write(string name, DateTime lastWriteUtc)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, "hostname\nleft-behind\n");
        File.SetLastWriteTimeUtc(path, lastWriteUtc);
        return path;
    }

    [Fact]
    public async Task The_sweep_removes_finished_imports_files_and_abandoned_uploads_and_keeps_everything_still_in_use()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Import: left files", "Sev3");
        created.Dispose();
        var p = Guid.NewGuid().ToString("N")[..8];
        var done = await maya.ImportAsync(incident.Id, $"hostname\nleft-{p}-1\n");
        done.Status.ShouldBe("Completed");
        var running = await maya.StartImportAsync(incident.Id, "hostname\n" + string.Concat(Enumerable.Range(1, ImportApp.BatchSize * 50).Select(i => $"kept-{p}-{i}\n")));

        var hourAgo = DateTime.UtcNow.AddHours(-2);
        var finishedFile = Write($"{done.Id:N}.csv", hourAgo);            // its job died before removing it
        var neverCommitted = Write($"{Guid.NewGuid():N}.csv", hourAgo);  // no row two hours on: its commit never came
        var committing = Write($"{Guid.NewGuid():N}.csv", DateTime.UtcNow); // no row yet: perhaps an import being committed
        var abandonedUpload = Write($"upload-{Guid.NewGuid():N}.part", hourAgo);
        var liveUpload = Write($"upload-{Guid.NewGuid():N}.part", DateTime.UtcNow);
        var otherFile = Write("readme.txt", hourAgo);
        var runningFile = Path.Combine(Folder, $"{running.Id:N}.csv");
        File.Exists(runningFile).ShouldBeTrue();

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DeviceImportSweep>().RunAsync(Ct);
        }

        File.Exists(finishedFile).ShouldBeFalse("a completed import's file is read by nothing");
        File.Exists(abandonedUpload).ShouldBeFalse("an upload nobody has written to for two hours was abandoned");
        File.Exists(runningFile).ShouldBeTrue("a running import still reads its file");
        File.Exists(neverCommitted).ShouldBeFalse("an import file without its row for two hours belongs to a commit that never came");
        File.Exists(committing).ShouldBeTrue("a new file without an import row may belong to one being committed");
        File.GetLastWriteTimeUtc(runningFile).ShouldBeGreaterThan(DateTime.UtcNow.AddMinutes(-5), "an import's file is dated when it is queued, not when its upload began");
        File.Exists(liveUpload).ShouldBeTrue("an upload still being received");
        File.Exists(otherFile).ShouldBeTrue("not Portal's to remove");
        (await maya.WaitForImportAsync(running.Id)).Status.ShouldBe("Completed", "the running import went on untouched");
    }

    /// <summary>A folder of more files than one look-up takes is gone through whole in one sweep, not its first 500 each time.</summary>
    [Fact]
    public async Task One_sweep_goes_through_every_file_however_many_there_are()
    {
        // The app's own minutely sweep would remove files too, and a test of one sweep could pass on two: it stops first.
        await StopTheMinutelySweepAsync();
        var twoHoursAgo = DateTime.UtcNow.AddHours(-2);
        var left = Enumerable.Range(0, 1_200).Select(_ => Write($"{Guid.NewGuid():N}.csv", twoHoursAgo)).ToList();

        int removed;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            removed = await scope.ServiceProvider.GetRequiredService<DeviceImportSweep>().RemoveLeftFilesAsync(DateTimeOffset.UtcNow, Ct);
        }

        left.Count(File.Exists).ShouldBe(0, "files without a row for two hours, every one of them");
        removed.ShouldBeGreaterThanOrEqualTo(left.Count, "this one sweep removed them");
    }

    private async Task StopTheMinutelySweepAsync()
    {
        app.Services.GetRequiredService<Hangfire.IRecurringJobManager>().RemoveIfExists(DeviceImportSweep.RecurringJobId);
        var monitoring = app.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        bool Sweeping() => monitoring.ProcessingJobs(0, 1000).Any(j => j.Value.Job?.Type == typeof(DeviceImportSweep))
            || monitoring.EnqueuedJobs("default", 0, 1000).Any(j => j.Value.Job?.Type == typeof(DeviceImportSweep));
        for (var waited = 0; Sweeping(); waited += 100)
        {
            waited.ShouldBeLessThan(30_000, "a sweep already under way should end within seconds");
            await Task.Delay(100, Ct);
        }
    }
}
