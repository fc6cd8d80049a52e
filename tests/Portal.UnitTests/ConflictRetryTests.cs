using Microsoft.EntityFrameworkCore;
using Npgsql;
using Shouldly;
using Portal.Pipeline;

namespace Portal.UnitTests;

/// <summary>
/// Which failures a <see cref="IRetriedOnConflict"/> command runs again (<see cref="WriteConflicts"/>). Npgsql's execution strategy hands a deadlock up as an
/// InvalidOperationException around the DbUpdateException around the PostgresException; looking one level deep missed it, and
/// two concurrent first tasks of an incident answered 500 for a deadlock a re-run resolves.
/// </summary>
public sealed class ConflictRetryTests
{
    private static PostgresException Postgres(string sqlState) => new("message", "ERROR", "ERROR", sqlState);

    [Fact]
    public void A_deadlock_wrapped_by_the_execution_strategy_is_retried()
    {
        var wrapped = new InvalidOperationException("An exception has been raised that is likely due to a transient failure.",
            new DbUpdateException("An error occurred while saving the entity changes.", Postgres(PostgresErrorCodes.DeadlockDetected)));
        WriteConflicts.IsConflict(wrapped).ShouldBeTrue();
    }

    [Fact]
    public void Serialization_failures_unique_violations_and_concurrency_conflicts_are_retried()
    {
        WriteConflicts.IsConflict(new DbUpdateException("save", Postgres(PostgresErrorCodes.SerializationFailure))).ShouldBeTrue();
        WriteConflicts.IsConflict(new DbUpdateException("save", Postgres(PostgresErrorCodes.UniqueViolation))).ShouldBeTrue();
        WriteConflicts.IsConflict(new DbUpdateConcurrencyException("version")).ShouldBeTrue();
    }

    [Fact]
    public void Other_failures_reach_the_client_once()
    {
        WriteConflicts.IsConflict(new DbUpdateException("save", Postgres(PostgresErrorCodes.ForeignKeyViolation))).ShouldBeFalse();
        WriteConflicts.IsConflict(new InvalidOperationException("a bug")).ShouldBeFalse();
        WriteConflicts.IsConflict(new InvalidOperationException("wrapped", new ArgumentException("a bug"))).ShouldBeFalse();
    }
}
