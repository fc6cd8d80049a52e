using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Internal;

namespace Portal.Infrastructure.Data;

#pragma warning disable EF1001 // EF Core's own context pool, changed in one respect only; every test of the suite runs through it.

/// <summary>
/// EF Core's context pool, except that it hands out the context returned last (a stack) instead of the one that has waited
/// longest (EF Core's queue). On SQLite each pooled context keeps its connection open (<see cref="KeptOpenSqliteConnection"/>),
/// and SQLite empties a connection's page cache when another connection has written since that connection's last transaction.
/// With a queue every request got the context that had waited longest, whose cache the writes since had emptied, and read its
/// pages from the file again (about 23 reads per note, notes one at a time); the context returned last is the one whose
/// connection wrote last, and its cache still holds the pages. Same bound as EF Core's pool: beyond its size a returned context
/// is disposed.
/// </summary>
public sealed class LastInFirstOutContextPool<TContext>(DbContextOptions<TContext> options, IServiceProvider serviceProvider)
    : DbContextPool<TContext>(options, serviceProvider)
    where TContext : DbContext
{
    private readonly ConcurrentStack<IDbContextPoolable> _idle = new();
    private int _maxSize = options.FindExtension<CoreOptionsExtension>()?.MaxPoolSize ?? DefaultPoolSize;
    private int _count;

    /// <summary>The context returned last; a new one (from EF Core's pool, whose own queue stays empty) when none is idle.</summary>
    public override IDbContextPoolable Rent()
    {
        if (!_idle.TryPop(out var context)) return base.Rent();
        Interlocked.Decrement(ref _count);
        return context;
    }

    public override void Return(IDbContextPoolable context)
    {
        if (Interlocked.Increment(ref _count) > Volatile.Read(ref _maxSize))
        {
            Discard(context);
            return;
        }
        context.ResetState();
        _idle.Push(context);
    }

    public override async ValueTask ReturnAsync(IDbContextPoolable context, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _count) > Volatile.Read(ref _maxSize))
        {
            Discard(context);
            return;
        }
        await context.ResetStateAsync(cancellationToken);
        _idle.Push(context);
    }

    private void Discard(IDbContextPoolable context)
    {
        Interlocked.Decrement(ref _count);
        context.ClearLease();
        context.Dispose();
    }

    public override void Dispose()
    {
        Volatile.Write(ref _maxSize, 0);
        while (_idle.TryPop(out var context))
        {
            context.ClearLease();
            context.Dispose();
        }
        base.Dispose();
    }

    public override async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _maxSize, 0);
        while (_idle.TryPop(out var context))
        {
            context.ClearLease();
            await context.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}
