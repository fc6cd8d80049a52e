using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace Portal.Infrastructure.Data;

/// <summary>
/// The command EF Core gets from <see cref="SqliteStatementCache"/>: everything goes to a <see cref="SqliteCommand"/> rented by
/// SQL text from the connection's <see cref="SqliteStatements"/> when EF sets the text, and given back (parameters and transaction
/// cleared, its compiled statement kept) when EF disposes it. EF sets the text first, then the transaction, timeout and parameters.
/// </summary>
internal sealed class CachedSqliteCommand(SqliteStatements statements) : DbCommand
{
    private SqliteCommand? _inner;

    private SqliteCommand Inner => _inner ?? throw new InvalidOperationException("Set the command's text before anything else.");

    [AllowNull]
    public override string CommandText
    {
        get => _inner?.CommandText ?? "";
        set
        {
            if (_inner?.CommandText == value) return;
            if (_inner is not null) statements.Return(_inner);
            _inner = statements.Rent(value ?? "");
        }
    }

    public override int CommandTimeout { get => Inner.CommandTimeout; set => Inner.CommandTimeout = value; }

    public override CommandType CommandType
    {
        get => CommandType.Text;
        set { if (value != CommandType.Text) throw new ArgumentException("SQLite runs text commands only.", nameof(value)); }
    }

    public override bool DesignTimeVisible { get; set; }
    public override UpdateRowSource UpdatedRowSource { get; set; }

    protected override DbConnection? DbConnection
    {
        get => statements.Connection;
        set { if (value is not null && value != statements.Connection) throw new InvalidOperationException("A cached command stays on its connection."); }
    }

    protected override DbParameterCollection DbParameterCollection => Inner.Parameters;

    protected override DbTransaction? DbTransaction
    {
        get => _inner?.Transaction;
        set => Inner.Transaction = (SqliteTransaction?)value;
    }

    public override void Cancel() => _inner?.Cancel();
    public override int ExecuteNonQuery() => Inner.ExecuteNonQuery();
    public override object? ExecuteScalar() => Inner.ExecuteScalar();
    public override void Prepare() => Inner.Prepare();
    protected override DbParameter CreateDbParameter() => Inner.CreateParameter();
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Inner.ExecuteReader(behavior);

    protected override void Dispose(bool disposing)
    {
        if (disposing && _inner is not null)
        {
            statements.Return(_inner);
            _inner = null;
        }
        base.Dispose(disposing);
    }
}
