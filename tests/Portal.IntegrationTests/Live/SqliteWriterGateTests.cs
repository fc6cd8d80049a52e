using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Pipeline.Commit;

namespace Portal.IntegrationTests.Live;

/// <summary>
/// On SQLite, this process's units of work queue for the file on an asynchronous gate (no thread sleeps in SQLite's busy
/// retry while it waits): while one holds it, the others have not begun their transactions, and they run one at a time in
/// the order they asked.
/// </summary>
public sealed class SqliteWriterGateTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private async Task<T> UnitOfWorkAsync<T>(Func<PortalDbContext, CancellationToken, Task<T>> work)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var (result, _) = await UnitOfWork.CommitAsync(db, "gate test", async ct => await work(db, ct), TestContext.Current.CancellationToken);
        return result;
    }

    [Fact]
    public async Task Waiting_writers_start_one_at_a_time_in_arrival_order_once_the_holder_commits()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holderInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new List<int>();
        var inside = 0;
        var maxInside = 0;

        var holder = UnitOfWorkAsync(async (db, ct) =>
        {
            await db.Database.ExecuteSqlRawAsync("""UPDATE "Organisations" SET "LastStreamSequence" = "LastStreamSequence" WHERE 0""", ct);
            holderInside.SetResult();
            await release.Task;
            return 0;
        });
        await holderInside.Task;

        var waiters = new List<Task<int>>();
        for (var i = 0; i < 8; i++)
        {
            var n = i;
            waiters.Add(UnitOfWorkAsync(async (db, ct) =>
            {
                lock (started) { started.Add(n); maxInside = Math.Max(maxInside, ++inside); }
                await db.Organisations.CountAsync(ct);
                await Task.Delay(5, ct);
                lock (started) inside--;
                return n;
            }));
            await Task.Delay(20, TestContext.Current.CancellationToken); // they ask in this order
        }

        await Task.Delay(300, TestContext.Current.CancellationToken);
        lock (started) started.ShouldBeEmpty("nobody writes while the holder has the file");
        release.SetResult();
        await holder;
        (await Task.WhenAll(waiters)).ShouldBe([.. Enumerable.Range(0, 8)]);

        started.ShouldBe([.. Enumerable.Range(0, 8)], "first come, first served");
        maxInside.ShouldBe(1);
    }
}
