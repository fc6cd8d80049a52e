using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Portal.Features.Advisories;
using Portal.Features.Escalations;
using Portal.Features.Notifications;
using Portal.Features.Remediation;
using Portal.Infrastructure.Data;

namespace Portal.IntegrationTests.Host;

/// <summary>
/// A process killed while Hangfire's scheduler held a recurring job's distributed lock leaves the lock behind (PostgreSQL keeps it
/// until it times out, minutes later). The next start once failed on it ("Hosting failed to start", exit 134), found by a restart
/// test that happened to kill at that moment. With Portal as a real process: the locks of every recurring sweep held elsewhere, a
/// start still comes up, and each sweep's registration lands once the locks are gone.
/// </summary>
[Collection(PortalProcessCollection.Name)]
public sealed class RecurringJobsRestartTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Sweeps =
        [FanOutTaskSweep.RecurringJobId, AdvisoryProgressSampler.RecurringJobId, EscalationSweep.RecurringJobId, OutboxSweep.RecurringJobId, OutboxRetention.RecurringJobId,
            DeviceImportSweep.RecurringJobId];

    [Fact]
    public async Task Recurring_job_locks_left_behind_do_not_stop_a_start_and_the_registrations_land_once_they_are_gone()
    {
        var folder = Directory.CreateTempSubdirectory("portal-recurring-").FullName;
        try
        {
            var connectionString = await postgres.CreateDatabaseAsync("portal_recurring");
            await using (var first = await PortalProcess.StartAsync(DatabaseProvider.PostgreSql, connectionString, folder)) first.Kill();

            // What the killed scheduler left: each sweep's lock, held by someone who is not coming back (here: this test).
            var options = new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = false };
            var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
            using var connection = storage.GetConnection();
            var locks = Sweeps.Select(id => connection.AcquireDistributedLock($"lock:recurring-job:{id}", TimeSpan.FromSeconds(10))).ToList();

            var settings = new Dictionary<string, string>
            {
                ["Jobs__RecurringRetrySeconds"] = "1",
                ["Logging__LogLevel__Portal.Infrastructure.Jobs.RecurringJobs"] = "Information",
            };
            await using var second = await PortalProcess.StartAsync(DatabaseProvider.PostgreSql, connectionString, folder, settings); // ready, or it throws
            foreach (var id in Sweeps) await WaitForOutputAsync(second, $"Recurring job {id} could not be registered yet", $"{id} meets its lock");
            Sweeps.ShouldAllBe(id => !second.Output.Contains($"Recurring job {id} registered", StringComparison.Ordinal), second.Output);

            foreach (var held in locks) held.Dispose(); // in production the lock's timeout does this
            foreach (var id in Sweeps) await WaitForOutputAsync(second, $"Recurring job {id} registered", $"{id} registers once its lock is free");
            second.Kill();
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task WaitForOutputAsync(PortalProcess portal, string line, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!portal.Output.Contains(line, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: \"{line}\" not logged within 120 s:\n{portal.Output}");
            await Task.Delay(100, Ct);
        }
    }
}
