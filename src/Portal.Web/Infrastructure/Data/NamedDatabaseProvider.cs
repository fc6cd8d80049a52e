using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Portal.Infrastructure.Data;

/// <summary>
/// EF Core's database provider, except that its name is read once. EF Core's <see cref="DatabaseProvider{TOptionsExtension}"/>
/// answers <c>Name</c> (and so <c>Database.ProviderName</c>) by reflecting over the provider's assembly on every call, and
/// OpenTelemetry's EF Core instrumentation asks twice for every database command, to name the span's database system: about
/// half of what that instrumentation cost. Server CPU per note request went from 706 to 660 µs with this (SQLite, notes one at
/// a time, medians of 6 fresh hosts in A B B A order; docs/benchmarks.md, "Where a note's time goes").
/// Registered for each provider in <see cref="DatabaseSetup.Configure"/>.
/// </summary>
public sealed class NamedDatabaseProvider<TOptionsExtension>(DatabaseProviderDependencies dependencies)
    : DatabaseProvider<TOptionsExtension>(dependencies)
    where TOptionsExtension : class, IDbContextOptionsExtension
{
    private static readonly string ProviderName = typeof(TOptionsExtension).Assembly.GetName().Name!;

    public override string Name => ProviderName;
}
