using Mono.Cecil;
using Mono.Cecil.Cil;
using Portal.Data;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>
/// The tenant query filters guard what goes through them; DESIGN.md names what does not: <c>IgnoreQueryFilters()</c>, raw SQL, and
/// an entity attached or updated from an id alone. Every place the compiled code does one of these is listed below with the reason
/// it is safe, read from the IL of Portal's assemblies (async methods, lambdas and expression trees counted where they are written).
/// A new one fails this test until someone writes down why it may; one that went away must leave the list too.
/// </summary>
public sealed class TenantFilterBypassTests
{
    private const string IgnoresFilters = "IgnoreQueryFilters";
    private const string RawSql = "raw SQL";
    private const string BulkCopy = "bulk copy";

    /// <summary>Where the filters are bypassed on purpose: (the method, as written in the source; what it does) and why it may.</summary>
    private static readonly Dictionary<(string Site, string Bypass), string> Justified = new()
    {
        [("Portal.Features.Advisories.GetAdvisoryImpactHandler.Handle", IgnoresFilters)] =
            "A provider's impact view counts targets, incidents and progress in tenants it may not read, narrowed to its own advisory (checked by AccessBehavior); only numbers leave the handler.",
        [("Portal.Features.Advisories.AdvisoryBurnDown.CountedCountersAsync", IgnoresFilters)] =
            "The counter rows of one advisory's linked incidents in tenants it targets, for the provider's impact view and the sampler; callers return sums only.",
        [("Portal.Features.Advisories.AdvisoryBurnDown.FromIncidentSamplesAsync", IgnoresFilters)] =
            "The burn-down samples of exactly those incidents, added up into one series of numbers before anything leaves.",
        [("Portal.Features.Advisories.AdvisoryTargeting.RetargetOpenAdvisoriesAsync", IgnoresFilters)] =
            "A tenant's subscriptions changed: every open advisory of those services is retargeted, whichever provider owns it; nothing is returned.",
        [("Portal.Features.Advisories.AdvisoryTargeting.LoadAllTargetsAsync", IgnoresFilters)] =
            "Retargeting compares all of an advisory's targets and overrides, which name tenants its provider cannot read; they stay in the unit of work.",
        [("Portal.Features.Advisories.PostAdvisoryUpdateHandler.Handle", IgnoresFilters)] =
            "A provider's update reaches the targets to tell and the linked incidents to write in tenants it cannot read; they are written, never returned.",
        [("Portal.Features.Notifications.Outbox.AddAsync", IgnoresFilters)] =
            "The email subscriptions of exactly the tenants a committed change touched, of people still members there (a provider's update notifies tenants it cannot read); outbox rows of those tenants only (NotificationIsolationTests).",
        [("Portal.Pipeline.Commit.StreamSequences.AdvisoryImpactsAsync", IgnoresFilters)] =
            "The commit path reads which advisories a change moved, by the incident's advisory link; no tenant's data leaves it.",

        [("Portal.Pipeline.Commit.StreamSequences.AdvanceManyAsync", RawSql)] =
            "Stream numbering: one UPDATE … RETURNING of the organisations a committed change names (ids as parameters); it returns their stream numbers only.",
        [("Portal.Features.Notifications.Outbox.AnyoneMayListenAsync", RawSql)] =
            "Whether any tenant of a committed change may have a listener, before the outbox's reads: ids as parameters, a yes or no comes back.",
        [("Portal.Infrastructure.Data.BulkInsert.InsertAsync", RawSql)] =
            "Multi-row INSERTs of new rows the caller built with the domain's factories (remediation history), in the command's transaction; it reads nothing.",
        [("Portal.Infrastructure.Data.DatabaseSetup.PrepareDatabaseAsync", RawSql)] =
            "PRAGMA journal_mode=WAL on SQLite at start; no tenant's data.",
        [("Portal.Infrastructure.Data.SqliteStatements.Rent", RawSql)] =
            "The statement cache compiles the SQL text EF Core generated (filters included) once per connection; it writes no SQL of its own.",

        [("Portal.Features.Remediation.DeviceImportWriter.SqliteAsync", RawSql)] =
            "A device import's batch, set-based: every statement names the import's own tenant (the import was accepted through the access check).",
        [("Portal.Features.Remediation.DeviceImportWriter.PostgreSqlAsync", RawSql)] = "The same batch on PostgreSQL: its staging table.",
        [("Portal.Features.Remediation.DeviceImportWriter.PostgreSqlAsync", BulkCopy)] = "The same batch on PostgreSQL: binary COPY into the staging table.",
        [("Portal.Features.Remediation.DeviceImportWriter.PostgreSqlNewDevicesAsync", RawSql)] = "The same batch on PostgreSQL: the import's tenant named in the merge.",
        [("Portal.Features.Remediation.DeviceImportWriter.PostgreSqlTasksOfExistingDevicesAsync", RawSql)] = "The same batch on PostgreSQL: the import's tenant named in the merge.",
        [("Portal.Features.Remediation.DeviceImportWriter.PostgreSqlMergeAsync", RawSql)] = "The same batch on PostgreSQL: the import's tenant named in the merge.",
        [("Portal.Features.Remediation.DeviceImportWriter.SqlServerAsync", RawSql)] = "The same batch on SQL Server: its staging table and the merge naming the import's tenant.",
        [("Portal.Features.Remediation.DeviceImportWriter.SqlServerAsync", BulkCopy)] = "The same batch on SQL Server: SqlBulkCopy into the staging table.",

        [("Portal.Features.Advisories.AdvisoryFanOutWriter.SqliteAsync", RawSql)] =
            "An advisory's remediation tasks, inserted as rows the caller built from devices it read through the filtered context (or, in the sweep, for the plans' own tenants).",
        [("Portal.Features.Advisories.AdvisoryFanOutWriter.PostgreSqlAsync", BulkCopy)] = "The same tasks by binary COPY on PostgreSQL.",
        [("Portal.Features.Advisories.AdvisoryFanOutWriter.SqlServerAsync", BulkCopy)] = "The same tasks by SqlBulkCopy on SQL Server.",
    };

    [Fact]
    public void Every_way_past_the_tenant_filters_is_written_down_with_its_reason()
    {
        var found = Bypasses();
        var unlisted = found.Where(f => !Justified.ContainsKey(f)).Select(f => $"{f.Site}: {f.Bypass}").ToList();
        var gone = Justified.Keys.Where(k => !found.Contains(k)).Select(k => $"{k.Site}: {k.Bypass}").ToList();

        unlisted.ShouldBeEmpty("These go past the tenant query filters without a written reason. Load through the filtered context " +
                               "instead, or add the place to TenantFilterBypassTests.Justified with why no tenant's data can leak.");
        gone.ShouldBeEmpty("These are listed as bypassing the tenant filters but no longer do: take them off the list.");
    }

    [Fact]
    public void No_entity_is_attached_or_updated_from_an_id_alone()
    {
        // Attach, Update and setting an entry's State make EF write an instance the filters never saw: commands load what they change.
        Bypasses().Where(b => b.Bypass == AttachOrUpdate).ShouldBeEmpty();
    }

    [Fact]
    public void The_scan_finds_a_bypass_inside_an_async_method_and_names_the_method()
    {
        // The list above is only as good as the scan: a handler's IgnoreQueryFilters sits in its async state machine's MoveNext.
        Bypasses().ShouldContain(("Portal.Features.Advisories.PostAdvisoryUpdateHandler.Handle", IgnoresFilters));
    }

    private const string AttachOrUpdate = "Attach/Update/State";

    private static HashSet<(string Site, string Bypass)> Bypasses()
    {
        var found = new HashSet<(string, string)>();
        foreach (var assembly in new[] { typeof(Program).Assembly, typeof(PortalDbContext).Assembly })
        {
            using var module = ModuleDefinition.ReadModule(assembly.Location);
            foreach (var type in module.GetTypes())
            {
                foreach (var method in type.Methods.Where(m => m.HasBody))
                {
                    foreach (var instruction in method.Body.Instructions)
                    {
                        if (instruction.Operand is MethodReference called && Classify(instruction.OpCode, called) is { } bypass)
                            found.Add((SiteOf(method), bypass));
                    }
                }
            }
        }
        return found;
    }

    private static string? Classify(OpCode opCode, MethodReference called)
    {
        var type = called.DeclaringType.GetElementType().FullName;
        var name = called.Name;
        return type switch
        {
            "Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions" when name == "IgnoreQueryFilters" => IgnoresFilters,
            "Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions" when name.StartsWith("ExecuteSql", StringComparison.Ordinal)
                                                                                    || name.StartsWith("SqlQuery", StringComparison.Ordinal) => RawSql,
            "Microsoft.EntityFrameworkCore.RelationalQueryableExtensions" when name.StartsWith("FromSql", StringComparison.Ordinal) => RawSql,
            "Portal.Infrastructure.Data.RawSql" when name == "ReadAsync" => RawSql,
            "System.Data.Common.DbConnection" or "System.Data.IDbConnection" or "Microsoft.Data.Sqlite.SqliteConnection" or "Npgsql.NpgsqlConnection"
                or "Microsoft.Data.SqlClient.SqlConnection" when name == "CreateCommand" => RawSql,
            "Microsoft.Data.Sqlite.SqliteCommand" or "Npgsql.NpgsqlCommand" or "Microsoft.Data.SqlClient.SqlCommand" when opCode == OpCodes.Newobj => RawSql,
            "Npgsql.NpgsqlConnection" when name.StartsWith("BeginBinaryImport", StringComparison.Ordinal) || name.StartsWith("BeginTextImport", StringComparison.Ordinal) => BulkCopy,
            "Microsoft.Data.SqlClient.SqlBulkCopy" when opCode == OpCodes.Newobj => BulkCopy,
            "Microsoft.EntityFrameworkCore.DbContext" or "Microsoft.EntityFrameworkCore.DbSet`1"
                when name is "Attach" or "AttachRange" or "Update" or "UpdateRange" => AttachOrUpdate,
            "Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry" or "Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry`1"
                when name == "set_State" => AttachOrUpdate,
            _ => null,
        };
    }

    /// <summary>
    /// The method as written in the source: an async method's state machine (<c>&lt;Handle&gt;d__2.MoveNext</c>), a lambda
    /// (<c>&lt;Handle&gt;b__0</c>) or a local function (<c>&lt;Handle&gt;g__Local|0_0</c>) is named after the method that holds it.
    /// </summary>
    private static string SiteOf(MethodDefinition method)
    {
        var name = method.Name;
        var type = method.DeclaringType;
        while (type.Name.StartsWith('<'))
        {
            if (!name.StartsWith('<')) name = type.Name; // MoveNext of a state machine: the type is named after the method
            type = type.DeclaringType;
        }
        if (name.StartsWith('<')) name = name[1..name.IndexOf('>', StringComparison.Ordinal)];
        return $"{type.FullName.Replace('/', '.')}.{name}";
    }
}
