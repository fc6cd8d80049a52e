using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// The job storage refuses the enqueue after the import has committed (a database blip, a full disk). The import exists and
/// the sweep will hand it out, so the client is told 202 with the import, not a 500 that says nothing was changed.
/// </summary>
public sealed class ImportEnqueueFailureTests(ImportEnqueueFailureTests.App app) : IClassFixture<ImportEnqueueFailureTests.App>
{
    [Fact]
    public async Task A_failed_enqueue_after_the_commit_answers_202_and_leaves_the_import_queued_for_the_sweep()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Enqueue refused", "Sev3");
        created.Dispose();

        var import = await maya.StartImportAsync(incident.Id, "hostname\nenqueue-1\n");

        var stored = await app.QueryAsync(db => db.DeviceImports.AsNoTracking().SingleAsync(i => i.Id == import.Id));
        stored.Status.ShouldBe(Portal.Domain.DeviceImportStatus.Queued);
        app.Refused.ShouldBeGreaterThan(0, "the upload did try to enqueue");
    }

    public sealed class App() : ImportApp(DbProvider.Sqlite, null)
    {
        private int _refused;
        public int Refused => _refused;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<IBackgroundJobClient>(new RefusingClient(this)));
        }

        private sealed class RefusingClient(App app) : IBackgroundJobClient
        {
            /// <summary>Refuses the import jobs; the sweeps scheduled at start are taken (and never run: nothing stores them).</summary>
            public string Create(Job job, IState state)
            {
                if (job.Type != typeof(Portal.Features.Remediation.DeviceImportJob)) return Guid.NewGuid().ToString();
                Interlocked.Increment(ref app._refused);
                throw new BackgroundJobClientException("The job storage is unavailable (injected).", new InvalidOperationException());
            }

            public bool ChangeState(string jobId, IState state, string expectedState) => false;
        }
    }
}
