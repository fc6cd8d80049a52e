using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Domain;

namespace Portal.Benchmarks.Fanout;

/// <summary>
/// The fan-out's diagnostic baseline (<c>--bare-writes</c>): the rows a customer-visible note writes, written with the raw driver
/// before the bare hub broadcasts — what any durable note must cost, with none of Portal's request path, pipeline or EF Core.
/// One transaction on Portal's own SQLite file, as Portal writes it (WAL, <c>synchronous=NORMAL</c>, <c>BEGIN IMMEDIATE</c>): the
/// incident's counters and version, the timeline entry, the tenant's two stream numbers. One open connection, its three commands
/// prepared once (a raw driver's best case). Changes come one at a time, so one connection is enough; the lock only guards it.
/// </summary>
public sealed class RawNoteWriter : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _incident, _entry, _streams;
    private readonly ValueConverter _at;

    private RawNoteWriter(SqliteConnection connection, ValueConverter at)
    {
        _connection = connection;
        _at = at;
        _incident = Prepare("""
            UPDATE "Incidents" SET "UpdatedAt" = $at, "TimelineLength" = "TimelineLength" + 1,
                "CustomerTimelineLength" = "CustomerTimelineLength" + 1, "Version" = "Version" + 1
            WHERE "Id" = $incident RETURNING "TenantId", "TimelineLength", "CustomerTimelineLength"
            """, "$at", "$incident");
        _entry = Prepare("""
            INSERT INTO "TimelineEntries" ("Id", "IncidentId", "TenantId", "Sequence", "CustomerSequence", "At", "ActorId", "ActorName", "Kind", "Visibility", "Text")
            VALUES ($id, $incident, $tenant, $sequence, $customerSequence, $at, $actor, 'Fan-out baseline', 'Note', 'Customer', $text)
            """, "$id", "$incident", "$tenant", "$sequence", "$customerSequence", "$at", "$actor", "$text");
        _streams = Prepare("""
            UPDATE "Organisations" SET "LastStreamSequence" = "LastStreamSequence" + 1, "LastCustomerStreamSequence" = "LastCustomerStreamSequence" + 1
            WHERE "Id" = $tenant RETURNING "LastStreamSequence", "LastCustomerStreamSequence"
            """, "$tenant");
    }

    /// <summary>On Portal's database when it is SQLite (the fan-out host's), else null: the baseline is defined for SQLite only.</summary>
    public static RawNoteWriter? Open(IServiceProvider portalServices)
    {
        using var db = portalServices.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext();
        if (!db.Database.IsSqlite()) return null;
        // The instant as Portal's model stores it (its converter), so the rows read back like any other.
        var at = db.Model.FindEntityType(typeof(TimelineEntry))!.FindProperty(nameof(TimelineEntry.At))!.GetTypeMapping().Converter
                 ?? throw new InvalidOperationException("TimelineEntry.At has no converter; the raw baseline must store it as Portal does.");
        var connection = new SqliteConnection(db.Database.GetConnectionString());
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
            pragma.ExecuteNonQuery();
        }
        return new RawNoteWriter(connection, at);
    }

    /// <summary>Writes one customer-visible note on <paramref name="incidentId"/> and commits; returns the tenant's new stream number.</summary>
    public async Task<long> WriteAsync(Guid incidentId, string text, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var at = _at.ConvertToProvider(DateTimeOffset.UtcNow);
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken); // BEGIN IMMEDIATE
            _incident.Transaction = _entry.Transaction = _streams.Transaction = transaction;

            _incident.Parameters["$at"].Value = at;
            _incident.Parameters["$incident"].Value = Text(incidentId);
            string tenant;
            long sequence, customerSequence;
            await using (var row = await _incident.ExecuteReaderAsync(cancellationToken))
            {
                if (!await row.ReadAsync(cancellationToken)) throw new InvalidOperationException($"Incident {incidentId} does not exist.");
                (tenant, sequence, customerSequence) = (row.GetString(0), row.GetInt64(1), row.GetInt64(2));
            }

            _entry.Parameters["$id"].Value = Text(Guid.NewGuid());
            _entry.Parameters["$incident"].Value = Text(incidentId);
            _entry.Parameters["$tenant"].Value = tenant;
            _entry.Parameters["$sequence"].Value = sequence;
            _entry.Parameters["$customerSequence"].Value = customerSequence;
            _entry.Parameters["$at"].Value = at;
            _entry.Parameters["$actor"].Value = Text(Guid.Empty);
            _entry.Parameters["$text"].Value = text;
            await _entry.ExecuteNonQueryAsync(cancellationToken);

            _streams.Parameters["$tenant"].Value = tenant;
            var streamSequence = (long)(await _streams.ExecuteScalarAsync(cancellationToken) ?? throw new InvalidOperationException($"Tenant {tenant} has no stream row."));
            await transaction.CommitAsync(cancellationToken);
            return streamSequence;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Ids as EF Core's SQLite provider stores them: upper-case text.</summary>
    private static string Text(Guid id) => id.ToString().ToUpperInvariant();

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
        return command;
    }

    public void Dispose()
    {
        _incident.Dispose();
        _entry.Dispose();
        _streams.Dispose();
        _connection.Dispose();
        _lock.Dispose();
    }
}
