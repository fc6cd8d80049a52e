using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Domain;

namespace Portal.Data;

/// <remarks>
/// Pooled (<c>AddPooledDbContextFactory</c>): building a context and its internal services was a quarter of the bytes a change
/// command allocated. A pooled instance serves one request or job after another, so everything of one use is set by
/// <see cref="Use"/> when it is handed out and cleared when it goes back.
/// </remarks>
public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public const string SqliteProvider = "Microsoft.EntityFrameworkCore.Sqlite";
    public const string PostgreSqlProvider = "Npgsql.EntityFrameworkCore.PostgreSQL";
    public const string SqlServerProvider = "Microsoft.EntityFrameworkCore.SqlServer";

    /// <summary>
    /// Read by the query filters for every query, so a query cannot forget its tenant. Fail closed: empty (nothing readable)
    /// until the request's or job's scope is attached by <see cref="Use"/>, and empty again once the context is returned.
    /// </summary>
    public TenantScope Scope { get; private set; } = new();

    /// <summary>Starts one use of this context (a request's, a job's): reads through <paramref name="scope"/>, nothing saved yet.</summary>
    public PortalDbContext Use(TenantScope scope)
    {
        Scope = scope;
        ForgetSaved();
        return this;
    }

    public override void Dispose()
    {
        if (ReferenceEquals(_handingBack, this))
        {
            // The pool is full and discards this context, from inside the Dispose below (EF Core 10 hands a full pool's context
            // back by calling Dispose again). EF then leaves its internal services undisposed, the connection with them: that is
            // harmless where EF closed the connection after use, but a connection kept open (KeptOpenSqliteConnection) would stay
            // open until the GC found it. Disposing it here closes it now.
            _connection?.Dispose();
            base.Dispose();
            return;
        }
        EndUse();
        _connection ??= this.GetService<IRelationalConnection>();
        _handingBack = this;
        try
        {
            base.Dispose();
        }
        finally
        {
            _handingBack = null;
        }
    }

    public override ValueTask DisposeAsync()
    {
        EndUse();
        _connection ??= this.GetService<IRelationalConnection>();
        // The pool's discard, if it happens, runs synchronously inside (the pool calls the synchronous Dispose above).
        _handingBack = this;
        try
        {
            return base.DisposeAsync();
        }
        finally
        {
            _handingBack = null;
        }
    }

    /// <summary>The context this thread is handing back to the pool, only while the base class's Dispose runs.</summary>
    [ThreadStatic] private static PortalDbContext? _handingBack;

    /// <summary>This instance's connection service, looked up once: it lives as long as the instance.</summary>
    private IRelationalConnection? _connection;

    /// <summary>Back to the pool (or gone): no tenant is readable through it and nothing of this use can be published by the next.</summary>
    private void EndUse()
    {
        Scope = new TenantScope();
        ForgetSaved();
    }

    public DbSet<Organisation> Organisations => Set<Organisation>();
    public DbSet<MspContract> Contracts => Set<MspContract>();
    public DbSet<Service> Services => Set<Service>();
    public DbSet<ServiceSubscription> Subscriptions => Set<ServiceSubscription>();
    public DbSet<User> Users => Set<User>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<Device> Devices => Set<Device>();
    public DbSet<Incident> Incidents => Set<Incident>();
    public DbSet<TimelineEntry> TimelineEntries => Set<TimelineEntry>();
    public DbSet<RemediationTask> RemediationTasks => Set<RemediationTask>();
    public DbSet<RemediationTaskChange> RemediationTaskChanges => Set<RemediationTaskChange>();
    public DbSet<RemediationProgress> RemediationProgress => Set<RemediationProgress>();
    public DbSet<RemediationProgressSample> RemediationProgressSamples => Set<RemediationProgressSample>();
    public DbSet<DeviceImport> DeviceImports => Set<DeviceImport>();
    public DbSet<DeviceImportError> DeviceImportErrors => Set<DeviceImportError>();
    public DbSet<Advisory> Advisories => Set<Advisory>();
    public DbSet<AdvisoryTarget> AdvisoryTargets => Set<AdvisoryTarget>();
    public DbSet<AdvisoryTargetOverride> AdvisoryTargetOverrides => Set<AdvisoryTargetOverride>();
    public DbSet<AdvisoryUpdate> AdvisoryUpdates => Set<AdvisoryUpdate>();
    public DbSet<AdvisoryRevision> AdvisoryRevisions => Set<AdvisoryRevision>();
    public DbSet<AdvisoryProgressSample> AdvisoryProgressSamples => Set<AdvisoryProgressSample>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<FanOutTaskPlan> FanOutTaskPlans => Set<FanOutTaskPlan>();
    public DbSet<NotificationEndpoint> NotificationEndpoints => Set<NotificationEndpoint>();
    public DbSet<EmailSubscription> EmailSubscriptions => Set<EmailSubscription>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<DeliveryAttempt> DeliveryAttempts => Set<DeliveryAttempt>();
    public DbSet<EscalationPolicy> EscalationPolicies => Set<EscalationPolicy>();
    public DbSet<OnCallRotation> OnCallRotations => Set<OnCallRotation>();
    public DbSet<OnCallOverride> OnCallOverrides => Set<OnCallOverride>();
    public DbSet<Escalation> Escalations => Set<Escalation>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<Invitation> Invitations => Set<Invitation>();

    /// <summary>ASP.NET Core Data Protection keys, shared by every instance so cookies and antiforgery tokens work behind a load balancer.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    private bool IsSqlite => ProviderName == SqliteProvider;

    /// <summary>
    /// The database provider's name, read once per set of options (one for the application's lifetime): every unit of work asks,
    /// and <c>Database.ProviderName</c> resolves the provider each time (and reflects over its assembly, unless the options
    /// registered Portal.Web's NamedDatabaseProvider).
    /// </summary>
    public string ProviderName => _providerName ??= ProviderNames.TryGetValue(options, out var name) ? name : ProviderNames.GetValue(options, _ => Database.ProviderName!);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbContextOptions, string> ProviderNames = new();
    private string? _providerName;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums travel and persist as their names: readable, and reordering members cannot corrupt data.
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
        if (IsSqlite)
        {
            // SQLite cannot compare or order DateTimeOffset text; store UTC ticks so ORDER BY and ranges work.
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Organisation>(e =>
        {
            e.Property(o => o.Name).HasMaxLength(200);
            e.Property(o => o.IncidentPrefix).HasMaxLength(8);
            e.HasIndex(o => o.EntraTenantId);
            e.HasIndex(o => o.IncidentPrefix).IsUnique();
        });
        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.Property(a => a.Id).ValueGeneratedNever();
            e.Property(a => a.ActorName).HasMaxLength(200);
            e.Property(a => a.Action).HasMaxLength(AuditEntry.ActionMaxLength);
            e.Property(a => a.Detail).HasMaxLength(AuditEntry.DetailMaxLength);
            e.HasOne<Organisation>().WithMany().HasForeignKey(a => a.OrganisationId).OnDelete(DeleteBehavior.Restrict);
            // An organisation's log, newest first, paged by (At, Id).
            e.HasIndex(a => new { a.OrganisationId, a.At, a.Id });
        });
        modelBuilder.Entity<Invitation>(e =>
        {
            e.Property(i => i.Id).ValueGeneratedNever();
            e.Property(i => i.Email).HasMaxLength(EmailAddress.MaxLength);
            e.HasOne<Organisation>().WithMany().HasForeignKey(i => i.OrganisationId).OnDelete(DeleteBehavior.Restrict);
            // The binder looks up a signing-in person's pending invitations by email; the people page lists an organisation's.
            e.HasIndex(i => i.Email);
            e.HasIndex(i => new { i.OrganisationId, i.InvitedAt });
        });
        modelBuilder.Entity<MspContract>(e =>
        {
            e.HasOne<Organisation>().WithMany().HasForeignKey(c => c.MspId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Organisation>().WithMany().HasForeignKey(c => c.CustomerId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(c => new { c.MspId, c.CustomerId });
            e.Property(c => c.Message).HasMaxLength(MspContract.MessageMaxLength);
            e.Property(c => c.ProposedByName).HasMaxLength(200);
            e.Property(c => c.StartedByName).HasMaxLength(200);
            e.Property(c => c.ClosedByName).HasMaxLength(200);
            e.Property(c => c.EndedByName).HasMaxLength(200);
            ConfigureVersion(e.Property(c => c.Version));
            // One open (proposed or active) contract per MSP and customer, held by the database too: two proposals racing each
            // other cannot both insert. Ended, declined and withdrawn rows stay as history beside it.
            var state = Quote(nameof(MspContract.State));
            e.HasIndex(c => new { c.MspId, c.CustomerId }, "IX_Contracts_OneOpenPerPair").IsUnique()
                .HasFilter($"{state} IN ('{nameof(ContractState.Proposed)}', '{nameof(ContractState.Active)}')");
        });
        modelBuilder.Entity<Service>(e =>
        {
            e.Property(s => s.Name).HasMaxLength(Service.NameMaxLength);
            e.HasOne<Organisation>().WithMany().HasForeignKey(s => s.ProviderId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<ServiceSubscription>(e =>
        {
            e.Property(s => s.Region).HasMaxLength(64);
            e.HasOne<Organisation>().WithMany().HasForeignKey(s => s.CustomerId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Service>().WithMany().HasForeignKey(s => s.ServiceId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(s => new { s.ServiceId, s.Region });
        });
        modelBuilder.Entity<User>(e =>
        {
            e.Property(u => u.DisplayName).HasMaxLength(200);
            e.Property(u => u.Email).HasMaxLength(320);
            e.HasIndex(u => new { u.EntraTenantId, u.EntraObjectId }).IsUnique();
            e.HasMany(u => u.Memberships).WithOne().HasForeignKey(m => m.UserId);
            e.Navigation(u => u.Memberships).UsePropertyAccessMode(PropertyAccessMode.Field);
        });
        modelBuilder.Entity<Membership>(e =>
        {
            e.HasOne<Organisation>().WithMany().HasForeignKey(m => m.OrganisationId).OnDelete(DeleteBehavior.Restrict);
            e.Property(m => m.Id).ValueGeneratedNever();
            e.HasIndex(m => new { m.UserId, m.OrganisationId, m.Role }).IsUnique();
        });
        modelBuilder.Entity<Device>(e =>
        {
            e.Property(d => d.Id).ValueGeneratedNever();
            e.Property(d => d.Hostname).HasMaxLength(Device.HostnameMaxLength);
            e.Property(d => d.ExternalId).HasMaxLength(Device.ExternalIdMaxLength);
            e.Property(d => d.OperatingSystem).HasMaxLength(Device.OperatingSystemMaxLength);
            e.Property(d => d.Site).HasMaxLength(Device.SiteMaxLength);
            e.Property(d => d.Tags).HasMaxLength(Device.TagsMaxLength);
            e.Property(d => d.MatchKey).HasMaxLength(Device.MatchKeyMaxLength);
            ConfigureVersion(e.Property(d => d.Version));
            e.Ignore(d => d.TagList);
            e.HasOne<Organisation>().WithMany().HasForeignKey(d => d.TenantId).OnDelete(DeleteBehavior.Restrict);
            // The identity of a device within its tenant (imports and RMM updates match on it); also the keyset order of the list.
            e.HasIndex(d => new { d.TenantId, d.MatchKey }).IsUnique();
            e.HasIndex(d => new { d.TenantId, d.Hostname });
            // A fan-out reads a tenant's devices a chunk at a time in the order of their ids: without it each chunk sorted them all.
            e.HasIndex(d => new { d.TenantId, d.Id });
            e.HasQueryFilter(d => Scope.IsSystem || Scope.FullAccess.Contains(d.TenantId) || Scope.CustomerAccess.Contains(d.TenantId));
        });
        modelBuilder.Entity<Incident>(e =>
        {
            e.Property(i => i.Reference).HasMaxLength(24);
            e.Property(i => i.Title).HasMaxLength(Incident.TitleMaxLength);
            e.Property(i => i.CustomerSummary).HasMaxLength(Incident.SummaryMaxLength);
            e.Property(i => i.AssigneeName).HasMaxLength(200);
            e.HasOne<Organisation>().WithMany().HasForeignKey(i => i.TenantId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(i => new { i.TenantId, i.Number }).IsUnique();
            e.HasIndex(i => new { i.TenantId, i.Status, i.Severity });
            // One linked incident per tenant and advisory that is not closed: two engineers fanning out at once cannot open it twice.
            // A closed one (closed is final) leaves the unique index, so a reopened advisory's second wave opens a new incident beside
            // it; the plain index serves the reads of every linked incident, closed ones included.
            e.HasIndex(i => new { i.AdvisoryId, i.TenantId });
            e.HasIndex(i => new { i.AdvisoryId, i.TenantId }, "IX_Incidents_AdvisoryId_TenantId_NotClosed").IsUnique()
                .HasFilter($"{Quote(nameof(Incident.AdvisoryId))} IS NOT NULL AND {Quote(nameof(Incident.Status))} <> '{nameof(IncidentStatus.Closed)}'");
            e.HasMany(i => i.Timeline).WithOne().HasForeignKey(t => t.IncidentId);
            e.Navigation(i => i.Timeline).UsePropertyAccessMode(PropertyAccessMode.Field);
            e.Ignore(i => i.IsOpen);
            ConfigureVersion(e.Property(i => i.Version));
            e.HasQueryFilter(i => Scope.IsSystem || Scope.FullAccess.Contains(i.TenantId) || Scope.CustomerAccess.Contains(i.TenantId));
        });
        modelBuilder.Entity<TimelineEntry>(e =>
        {
            // Ids come from the domain: a new entry reached through Incident.Timeline must be inserted, not updated.
            e.Property(t => t.Id).ValueGeneratedNever();
            e.Property(t => t.ActorName).HasMaxLength(200);
            e.Property(t => t.Text).HasMaxLength(TimelineEntry.TextMaxLength);
            e.HasIndex(t => new { t.IncidentId, t.Sequence }).IsUnique();
            e.HasIndex(t => new { t.TenantId, t.At });
            // Internal notes exist only for the managing MSP: a customer's query cannot return them.
            e.HasQueryFilter(t => Scope.IsSystem || Scope.FullAccess.Contains(t.TenantId)
                || (t.Visibility == NoteVisibility.Customer && Scope.CustomerAccess.Contains(t.TenantId)));
        });
        ConfigureRemediation(modelBuilder);
        ConfigureAdvisories(modelBuilder);
        ConfigureEscalations(modelBuilder);
        ConfigureNotifications(modelBuilder);
    }

    /// <summary>
    /// Notifications (Features/Notifications). Endpoints belong to an MSP, not to one tenant (TenantId null = all its tenants), so
    /// like contracts they carry no tenant filter: every query names the MSP the handler checked the user belongs to. Outbox rows,
    /// delivery attempts and email subscriptions are tenant rows; the delivery log's queries also name the MSP (a webhook's log is
    /// its MSP's alone).
    /// </summary>
    private void ConfigureNotifications(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<NotificationEndpoint>(e =>
        {
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.Name).HasMaxLength(NotificationEndpoint.NameMaxLength);
            e.Property(x => x.Url).HasMaxLength(NotificationEndpoint.UrlMaxLength);
            e.Property(x => x.ProtectedSecret).HasMaxLength(1000);
            e.Property(x => x.PreviousProtectedSecret).HasMaxLength(1000);
            e.Property(x => x.CreatedByName).HasMaxLength(200);
            e.HasOne<Organisation>().WithMany().HasForeignKey(x => x.MspId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Organisation>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(x => new { x.MspId, x.TenantId });
            e.HasIndex(x => x.TenantId);
        });
        modelBuilder.Entity<EmailSubscription>(e =>
        {
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.Email).HasMaxLength(320);
            e.Property(x => x.DisplayName).HasMaxLength(200);
            e.Ignore(x => x.Severities);
            e.HasOne<Organisation>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.TenantId, x.UserId }).IsUnique();
            e.HasQueryFilter(x => Scope.IsSystem || Scope.FullAccess.Contains(x.TenantId) || Scope.CustomerAccess.Contains(x.TenantId));
        });
        modelBuilder.Entity<OutboxMessage>(e =>
        {
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.Target).HasMaxLength(320);
            e.Property(x => x.LastError).HasMaxLength(DeliveryAttempt.ErrorMaxLength);
            // A worker settles only the claim it holds: a lease that expired and went to another worker fails the save.
            e.Property(x => x.LeaseToken).IsConcurrencyToken();
            // What the sweep asks for: pending rows that are due.
            e.HasIndex(x => new { x.Status, x.NextAttemptAt });
            e.HasIndex(x => x.TenantId);
            e.HasQueryFilter(x => Scope.IsSystem || Scope.FullAccess.Contains(x.TenantId));
        });
        modelBuilder.Entity<DeliveryAttempt>(e =>
        {
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.Target).HasMaxLength(320);
            e.Property(x => x.Error).HasMaxLength(DeliveryAttempt.ErrorMaxLength);
            e.HasOne<OutboxMessage>().WithMany().HasForeignKey(x => x.MessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.TenantId, x.Id });
            e.HasIndex(x => new { x.MspId, x.Id });
            e.HasIndex(x => x.MessageId);
            e.HasQueryFilter(x => Scope.IsSystem || Scope.FullAccess.Contains(x.TenantId));
        });
    }

    /// <summary>
    /// Policies and rotations belong to an MSP, not a tenant (like contracts they are not tenant-filtered: the handlers select the
    /// caller's MSP). Their targets, levels and engineer lists are small value lists stored as JSON text. Escalations name a tenant.
    /// </summary>
    private void ConfigureEscalations(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Incident>(e => e.HasIndex(i => i.NextEscalationAt));
        modelBuilder.Entity<MspContract>(e => Json(e.Property(c => c.TightenedTargets)).HasMaxLength(2000));
        modelBuilder.Entity<EscalationPolicy>(e =>
        {
            e.Property(p => p.Id).ValueGeneratedNever();
            e.Property(p => p.UpdatedByName).HasMaxLength(200);
            Json(e.Property(p => p.Targets)).HasMaxLength(2000);
            Json(e.Property(p => p.Levels));
            e.Ignore(p => p.IsDefault);
            e.HasOne<Organisation>().WithMany().HasForeignKey(p => p.MspId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(p => p.MspId).IsUnique();
        });
        modelBuilder.Entity<OnCallRotation>(e =>
        {
            e.Property(r => r.Id).ValueGeneratedNever();
            e.Property(r => r.TimeZoneId).HasMaxLength(64);
            Json(e.Property(r => r.Engineers));
            e.HasOne<Organisation>().WithMany().HasForeignKey(r => r.MspId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(r => r.MspId).IsUnique();
            e.HasMany(r => r.Overrides).WithOne().HasForeignKey(o => o.RotationId).OnDelete(DeleteBehavior.Cascade);
            e.Navigation(r => r.Overrides).UsePropertyAccessMode(PropertyAccessMode.Field);
        });
        modelBuilder.Entity<OnCallOverride>(e =>
        {
            e.Property(o => o.Id).ValueGeneratedNever();
            e.HasIndex(o => new { o.RotationId, o.From });
        });
        modelBuilder.Entity<Escalation>(e =>
        {
            e.Property(x => x.Id).ValueGeneratedNever();
            Json(e.Property(x => x.UserIds));
            Json(e.Property(x => x.Roles)).HasMaxLength(200);
            Json(e.Property(x => x.Channels)).HasMaxLength(1000);
            e.HasOne<Incident>().WithMany().HasForeignKey(x => x.IncidentId).OnDelete(DeleteBehavior.Restrict);
            // Exactly once: the delayed job and the sweep racing for the same level cannot both insert it.
            e.HasIndex(x => new { x.IncidentId, x.Kind, x.Level }).IsUnique();
            e.HasIndex(x => new { x.MspId, x.RaisedAt });
            e.HasQueryFilter(x => Scope.IsSystem || Scope.FullAccess.Contains(x.TenantId));
        });
    }

    private static readonly System.Text.Json.JsonSerializerOptions JsonColumnOptions = new()
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>A small immutable list stored as JSON text, compared by its JSON (replaced whole, never edited in place).</summary>
    private static PropertyBuilder<IReadOnlyList<T>> Json<T>(PropertyBuilder<IReadOnlyList<T>> property) => property.HasConversion(
        new ValueConverter<IReadOnlyList<T>, string>(
            v => System.Text.Json.JsonSerializer.Serialize(v, JsonColumnOptions),
            // "" is what the migration gives rows that existed before the column (contracts): an empty list.
            v => string.IsNullOrEmpty(v) ? new List<T>() : System.Text.Json.JsonSerializer.Deserialize<List<T>>(v, JsonColumnOptions) ?? new List<T>()),
        new ValueComparer<IReadOnlyList<T>>(
            (a, b) => System.Text.Json.JsonSerializer.Serialize(a, JsonColumnOptions) == System.Text.Json.JsonSerializer.Serialize(b, JsonColumnOptions),
            v => System.Text.Json.JsonSerializer.Serialize(v, JsonColumnOptions).GetHashCode(),
            v => v));

    /// <summary>
    /// A provider sees its own advisories; an MSP and a customer those that target one of their tenants (DESIGN.md's contract). Target rows and
    /// overrides name tenants, so only the tenant's side reads them: a provider never reads a target row, and its picture of an
    /// advisory's reach comes from counts (Features/Advisories/GetAdvisoryImpact).
    /// </summary>
    private void ConfigureAdvisories(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Advisory>(e =>
        {
            e.Property(a => a.Id).ValueGeneratedNever();
            e.Property(a => a.Title).HasMaxLength(Advisory.TitleMaxLength);
            e.Property(a => a.Impact).HasMaxLength(Advisory.ImpactMaxLength);
            e.Property(a => a.Runbook).HasMaxLength(Advisory.RunbookMaxLength);
            e.Property(a => a.Regions).HasMaxLength((Advisory.RegionMaxLength + 1) * Advisory.MaxRegions + 1);
            e.Property(a => a.PublishedByName).HasMaxLength(200);
            e.Ignore(a => a.Announcement);
            e.Ignore(a => a.IsResolved);
            e.Ignore(a => a.RegionList);
            e.HasOne<Organisation>().WithMany().HasForeignKey(a => a.ProviderId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(a => a.Services).WithOne().HasForeignKey(s => s.AdvisoryId).OnDelete(DeleteBehavior.Cascade);
            e.Navigation(a => a.Services).UsePropertyAccessMode(PropertyAccessMode.Field);
            e.HasMany(a => a.Targets).WithOne().HasForeignKey(t => t.AdvisoryId).OnDelete(DeleteBehavior.Cascade);
            e.Navigation(a => a.Targets).UsePropertyAccessMode(PropertyAccessMode.Field);
            e.HasMany(a => a.Overrides).WithOne().HasForeignKey(o => o.AdvisoryId).OnDelete(DeleteBehavior.Cascade);
            e.Navigation(a => a.Overrides).UsePropertyAccessMode(PropertyAccessMode.Field);
            e.HasMany(a => a.Updates).WithOne().HasForeignKey(u => u.AdvisoryId).OnDelete(DeleteBehavior.Cascade);
            e.Navigation(a => a.Updates).UsePropertyAccessMode(PropertyAccessMode.Field);
            e.HasMany(a => a.Revisions).WithOne().HasForeignKey(r => r.AdvisoryId).OnDelete(DeleteBehavior.Cascade);
            e.Navigation(a => a.Revisions).UsePropertyAccessMode(PropertyAccessMode.Field);
            e.HasIndex(a => new { a.ProviderId, a.PublishedAt });
            ConfigureVersion(e.Property(a => a.Version));
            e.HasQueryFilter(a => Scope.IsSystem || Scope.Providers.Contains(a.ProviderId)
                || a.Targets.Any(t => Scope.FullAccess.Contains(t.TenantId) || Scope.CustomerAccess.Contains(t.TenantId)));
        });
        modelBuilder.Entity<AdvisoryService>(e =>
        {
            e.HasKey(s => new { s.AdvisoryId, s.ServiceId });
            e.HasOne<Service>().WithMany().HasForeignKey(s => s.ServiceId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(s => s.ServiceId);
        });
        modelBuilder.Entity<AdvisoryTarget>(e =>
        {
            e.HasKey(t => new { t.AdvisoryId, t.TenantId });
            e.Property(t => t.AcknowledgedByName).HasMaxLength(200);
            e.Ignore(t => t.IsAcknowledged);
            e.HasOne<Organisation>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(t => new { t.TenantId, t.AcknowledgedAt });
            e.HasQueryFilter(t => Scope.IsSystem || Scope.FullAccess.Contains(t.TenantId) || Scope.CustomerAccess.Contains(t.TenantId));
        });
        modelBuilder.Entity<AdvisoryTargetOverride>(e =>
        {
            e.HasKey(o => new { o.AdvisoryId, o.TenantId });
            e.Property(o => o.ByName).HasMaxLength(200);
            e.HasOne<Organisation>().WithMany().HasForeignKey(o => o.TenantId).OnDelete(DeleteBehavior.Restrict);
            e.HasQueryFilter(o => Scope.IsSystem || Scope.FullAccess.Contains(o.TenantId));
        });
        modelBuilder.Entity<AdvisoryUpdate>(e =>
        {
            e.Property(u => u.Id).ValueGeneratedNever();
            e.Property(u => u.Text).HasMaxLength(Advisory.UpdateMaxLength);
            e.Property(u => u.AuthorName).HasMaxLength(200);
            e.HasIndex(u => new { u.AdvisoryId, u.Number }).IsUnique();
            e.HasQueryFilter(u => Scope.IsSystem || Advisories.Any(a => a.Id == u.AdvisoryId)); // whoever sees the advisory
        });
        modelBuilder.Entity<AdvisoryRevision>(e =>
        {
            e.Property(r => r.Id).ValueGeneratedNever();
            e.Property(r => r.Title).HasMaxLength(Advisory.TitleMaxLength);
            e.Property(r => r.Impact).HasMaxLength(Advisory.ImpactMaxLength);
            e.Property(r => r.Runbook).HasMaxLength(Advisory.RunbookMaxLength);
            e.Property(r => r.Regions).HasMaxLength((Advisory.RegionMaxLength + 1) * Advisory.MaxRegions + 1);
            e.Property(r => r.ServiceIds).HasMaxLength(37 * Advisory.MaxServices);
            e.Property(r => r.AuthorName).HasMaxLength(200);
            e.HasIndex(r => new { r.AdvisoryId, r.Number }).IsUnique();
            e.HasQueryFilter(r => Scope.IsSystem || Advisories.Any(a => a.Id == r.AdvisoryId));
        });
        // No tenant filter: a record belongs to a user, not a tenant, and is only ever read by (UserId, Key) of the caller
        // (Pipeline/IdempotencyBehavior) or deleted by age (IdempotencyRetention).
        modelBuilder.Entity<IdempotencyRecord>(e =>
        {
            e.Property(r => r.Id).ValueGeneratedNever();
            e.Property(r => r.Key).HasMaxLength(IdempotencyRecord.KeyMaxLength);
            e.Property(r => r.Command).HasMaxLength(200);
            e.Property(r => r.RequestHash).HasMaxLength(64);
            e.HasIndex(r => new { r.UserId, r.Key }).IsUnique();
            e.HasIndex(r => r.CreatedAt);
        });
        modelBuilder.Entity<AdvisoryProgressSample>(e =>
        {
            e.Property(p => p.Id).ValueGeneratedNever();
            e.HasOne<Advisory>().WithMany().HasForeignKey(p => p.AdvisoryId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(p => new { p.AdvisoryId, p.At });
            e.HasQueryFilter(p => Scope.IsSystem || Scope.Providers.Contains(p.ProviderId)); // sums over many MSPs' tenants: the provider's alone
        });
        modelBuilder.Entity<FanOutTaskPlan>(e =>
        {
            e.HasKey(p => p.IncidentId);
            e.Property(p => p.DeviceOs).HasMaxLength(Device.OperatingSystemMaxLength);
            e.Property(p => p.DeviceTag).HasMaxLength(Device.TagsMaxLength);
            e.Property(p => p.DeviceSite).HasMaxLength(Device.SiteMaxLength);
            e.HasOne<Incident>().WithOne().HasForeignKey<FanOutTaskPlan>(p => p.IncidentId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(p => new { p.AdvisoryId, p.TenantId });
            e.HasIndex(p => p.TouchedAt);
            // Two runners of one plan: the second to move it from the same position conflicts, and its re-run goes on from the new one.
            e.Property(p => p.DoneThroughDeviceId).IsConcurrencyToken();
            e.HasQueryFilter(p => Scope.IsSystem || Scope.FullAccess.Contains(p.TenantId));
        });
    }

    private void ConfigureRemediation(ModelBuilder modelBuilder)
    {
        // Remediation is MSP work: customers read its progress (counters and samples), never the task rows or imports.
        modelBuilder.Entity<RemediationTask>(e =>
        {
            e.Property(t => t.Id).ValueGeneratedNever();
            e.Property(t => t.Title).HasMaxLength(RemediationTask.TitleMaxLength);
            e.Property(t => t.Reason).HasMaxLength(RemediationTask.ReasonMaxLength);
            e.Property(t => t.AssigneeName).HasMaxLength(200);
            e.Ignore(t => t.IsOpen);
            e.HasOne<Incident>().WithMany().HasForeignKey(t => t.IncidentId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Device>().WithMany().HasForeignKey(t => t.DeviceId).OnDelete(DeleteBehavior.Restrict);
            // One task per device per incident (imports are idempotent on it); also the keyset order of the task list.
            e.HasIndex(t => new { t.IncidentId, t.DeviceId }).IsUnique();
            e.HasIndex(t => new { t.IncidentId, t.State, t.Id });
            // "Assigned to me" on a million-task incident. Partial: a task enters it only once someone takes it, so an import or a
            // fan-out (all unassigned) writes no entry; as a full index it made a 1,000,000-device fan-out take 23 s instead of 18 s.
            e.HasIndex(t => new { t.IncidentId, t.AssigneeId, t.Id }).HasFilter($"{Quote(nameof(RemediationTask.AssigneeId))} IS NOT NULL");
            e.HasIndex(t => new { t.IncidentId, t.Id });
            ConfigureVersion(e.Property(t => t.Version));
            e.HasQueryFilter(t => Scope.IsSystem || Scope.FullAccess.Contains(t.TenantId));
        });
        modelBuilder.Entity<RemediationTaskChange>(e =>
        {
            e.Property(c => c.Id).ValueGeneratedNever();
            e.Property(c => c.Reason).HasMaxLength(RemediationTask.ReasonMaxLength);
            e.Property(c => c.ActorName).HasMaxLength(200);
            e.HasIndex(c => new { c.TaskId, c.At });
            e.HasIndex(c => new { c.IncidentId, c.At });
            e.HasQueryFilter(c => Scope.IsSystem || Scope.FullAccess.Contains(c.TenantId));
        });
        modelBuilder.Entity<RemediationProgress>(e =>
        {
            e.HasKey(p => p.IncidentId);
            e.HasOne<Incident>().WithOne().HasForeignKey<RemediationProgress>(p => p.IncidentId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(p => p.TenantId);
            // The advisory sampler's "counters that moved lately", once a minute, without reading every counter there ever was.
            e.HasIndex(p => p.UpdatedAt);
            e.Ignore(p => p.Total);
            e.Ignore(p => p.Completed);
            e.Ignore(p => p.Remaining);
            ConfigureVersion(e.Property(p => p.Version));
            e.HasQueryFilter(p => Scope.IsSystem || Scope.FullAccess.Contains(p.TenantId) || Scope.CustomerAccess.Contains(p.TenantId));
        });
        modelBuilder.Entity<RemediationProgressSample>(e =>
        {
            e.Property(p => p.Id).ValueGeneratedNever();
            e.Ignore(p => p.Remaining);
            e.HasIndex(p => new { p.IncidentId, p.At });
            e.HasIndex(p => new { p.TenantId, p.At });
            e.HasQueryFilter(p => Scope.IsSystem || Scope.FullAccess.Contains(p.TenantId) || Scope.CustomerAccess.Contains(p.TenantId));
        });
        modelBuilder.Entity<DeviceImport>(e =>
        {
            e.Property(i => i.Id).ValueGeneratedNever();
            e.Property(i => i.FileName).HasMaxLength(DeviceImport.FileNameMaxLength);
            e.Property(i => i.StartedByName).HasMaxLength(200);
            e.Property(i => i.Failure).HasMaxLength(DeviceImport.FailureMaxLength);
            e.Ignore(i => i.IsFinished);
            e.HasOne<Incident>().WithMany().HasForeignKey(i => i.IncidentId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(i => new { i.IncidentId, i.CreatedAt });
            e.HasIndex(i => i.Status);
            e.HasQueryFilter(i => Scope.IsSystem || Scope.FullAccess.Contains(i.TenantId));
        });
        modelBuilder.Entity<DeviceImportError>(e =>
        {
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.Reason).HasMaxLength(DeviceImportError.ReasonMaxLength);
            e.Property(x => x.Hostname).HasMaxLength(Device.HostnameMaxLength);
            e.HasOne<DeviceImport>().WithMany().HasForeignKey(x => x.ImportId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.ImportId, x.Line });
            e.HasQueryFilter(x => Scope.IsSystem || Scope.FullAccess.Contains(x.TenantId));
        });
    }

    /// <summary>A column name quoted for this provider, for the few filters written as SQL.</summary>
    private string Quote(string column) => ProviderName == SqlServerProvider ? $"[{column}]" : $"\"{column}\"";

    private void ConfigureVersion(PropertyBuilder<long> version)
    {
        switch (ProviderName)
        {
            case PostgreSqlProvider:
                // xmin is PostgreSQL's own row version: no column to add, and the server bumps it on every write.
                version.HasColumnName("xmin").HasColumnType("xid").HasConversion<uint>()
                    .ValueGeneratedOnAddOrUpdate().IsConcurrencyToken();
                break;
            case SqlServerProvider:
                version.IsRowVersion().HasConversion(new NumberToBytesConverter<long>());
                break;
            default:
                // SQLite has no rowversion: the context bumps this counter on every save (see SaveChangesAsync).
                version.IsConcurrencyToken();
                break;
        }
    }

    /// <summary>
    /// What this context has saved since the last <see cref="TakeSavedChanges"/>: the timeline entries it inserted (one
    /// per incident change, so they say what changed), the incidents it inserted or updated, the remediation
    /// counters and the device imports it changed, as instances that hold the saved values. The commit path takes them once per transaction to number and publish the change.
    /// </summary>
    public SavedChanges TakeSavedChanges()
    {
        var saved = new SavedChanges([.. _savedTimelineEntries], [.. _savedIncidents], [.. _savedProgress]) { Imports = [.. _savedImports], Advisories = [.. _savedAdvisories], TouchedAdvisoryIds = [.. _touchedAdvisories], Access = _savedAccess.Take() };
        _savedAdvisories.Clear();
        _touchedAdvisories.Clear();
        _savedTimelineEntries.Clear();
        _savedIncidents.Clear();
        _savedProgress.Clear();
        _savedImports.Clear();
        return saved;
    }

    /// <summary>The outbox rows this context inserted since the last call: their delivery is handed out after the commit.</summary>
    public IReadOnlyList<Guid> TakeSavedOutbox()
    {
        if (_savedOutbox.Count == 0) return [];
        List<Guid> ids = [.. _savedOutbox];
        _savedOutbox.Clear();
        return ids;
    }

    private void ForgetSaved()
    {
        _savedOutbox.Clear();
        _savedTimelineEntries.Clear();
        _savedIncidents.Clear();
        _savedProgress.Clear();
        _savedImports.Clear();
        _savedAdvisories.Clear();
        _touchedAdvisories.Clear();
        _savedAccess.Take();
    }

    private readonly List<Guid> _savedOutbox = [];
    private readonly List<TimelineEntry> _savedTimelineEntries = [];
    private readonly HashSet<Incident> _savedIncidents = [];
    private readonly HashSet<RemediationProgress> _savedProgress = [];
    private readonly HashSet<DeviceImport> _savedImports = [];
    private readonly List<SavedAdvisory> _savedAdvisories = [];
    private readonly HashSet<Guid> _touchedAdvisories = [];
    private readonly SavedAccessChange.Builder _savedAccess = new();

    // BeforeSave has just detected every change, so EF Core's save does not scan every tracked entity again. A save-time
    // interceptor that changes an entity detects that entity itself (PlanEscalationsOnSave does).
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        BeforeSave();
        var autoDetect = ChangeTracker.AutoDetectChangesEnabled;
        ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            return base.SaveChanges(acceptAllChangesOnSuccess);
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        BeforeSave();
        var autoDetect = ChangeTracker.AutoDetectChangesEnabled;
        ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    /// <remarks>
    /// One pass over the tracked entries after one DetectChanges: each <c>Entries&lt;T&gt;()</c> call detects changes over every
    /// tracked entity again, and this used to make eight such calls per save.
    /// </remarks>
    private void BeforeSave()
    {
        ChangeTracker.DetectChanges();
        var autoDetect = ChangeTracker.AutoDetectChangesEnabled;
        ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var entry in ChangeTracker.Entries())
            {
                var state = entry.State;
                switch (entry.Entity)
                {
                    case TimelineEntry timelineEntry when state == EntityState.Added:
                        _savedTimelineEntries.Add(timelineEntry);
                        break;
                    case OutboxMessage outbox when state == EntityState.Added:
                        _savedOutbox.Add(outbox.Id);
                        break;
                    case Incident incident when state is EntityState.Added or EntityState.Modified:
                        _savedIncidents.Add(incident);
                        if (incident.AdvisoryId is { } advisoryId) _touchedAdvisories.Add(advisoryId);
                        break;
                    case AdvisoryTarget target when state is EntityState.Added or EntityState.Modified or EntityState.Deleted:
                        _touchedAdvisories.Add(target.AdvisoryId);
                        break;
                    case RemediationProgress progress when state is EntityState.Added or EntityState.Modified:
                        _savedProgress.Add(progress);
                        break;
                    case DeviceImport import when state is EntityState.Added or EntityState.Modified:
                        _savedImports.Add(import);
                        break;
                    // Who may see what: the commit path revokes at once what these changes take away (Pipeline/Commit, AccessChange).
                    case Membership membership when state is EntityState.Added or EntityState.Deleted || state == EntityState.Modified && IsModified(entry, nameof(Membership.Role), nameof(Membership.OrganisationId), nameof(Membership.UserId)):
                        _savedAccess.User(membership.UserId).Organisation(membership.OrganisationId);
                        break;
                    case MspContract contract when state is EntityState.Added or EntityState.Deleted
                                                   || state == EntityState.Modified && entry.Properties.Any(p => p.IsModified && p.Metadata.Name != nameof(MspContract.TightenedTargets)):
                        _savedAccess.Organisation(contract.MspId).Organisation(contract.CustomerId);
                        break;
                    // A new organisation or user: someone signing in from its Entra tenant may be cached as unknown until now.
                    case Organisation organisation when state is EntityState.Added or EntityState.Deleted
                                                        || state == EntityState.Modified && IsModified(entry, nameof(Organisation.DeactivatedAt), nameof(Organisation.EntraTenantId)):
                        _savedAccess.Organisation(organisation.Id).EntraTenant(organisation.EntraTenantId)
                            .EntraTenant(state == EntityState.Modified ? (Guid?)entry.Property(nameof(Organisation.EntraTenantId)).OriginalValue : null);
                        break;
                    case User user when state is EntityState.Added or EntityState.Deleted:
                        _savedAccess.User(user.Id).EntraTenant(user.EntraTenantId);
                        break;
                    case Advisory advisory when advisory.Announcement != AdvisoryAnnouncement.None || advisory.DroppedTenants.Count > 0:
                        // A change of targets alone is told only to the tenants it added (and those it dropped, below): see AdvisoryAnnouncement.
                        _savedAdvisories.Add(new SavedAdvisory(advisory.Id, advisory.ProviderId, advisory.Title, advisory.Status, advisory.Announcement, advisory.UpdatedAt,
                            advisory.Announcement == AdvisoryAnnouncement.Retargeted ? [.. advisory.AddedTenants] : [.. advisory.Targets.Select(t => t.TenantId)],
                            [.. advisory.DroppedTenants]) { NewTargetTenantIds = [.. advisory.NewTargetsBySubscription] });
                        advisory.Announced(); // unmapped state: no change for the tracker to see
                        break;
                }
                if (IsSqlite && state == EntityState.Modified) BumpVersion(entry);
            }
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    private static bool IsModified(EntityEntry entry, params ReadOnlySpan<string> properties)
    {
        foreach (var property in properties)
            if (entry.Property(property).IsModified) return true;
        return false;
    }

    /// <summary>
    /// Whether a set-based UPDATE (ExecuteUpdate, which bypasses SaveChanges and so <see cref="BumpVersion"/>) must set
    /// Version = Version + 1 itself: on SQLite only; PostgreSQL's xmin and SQL Server's rowversion move by themselves.
    /// </summary>
    public bool SetBasedUpdatesBumpVersion => IsSqlite;

    /// <summary>SQLite has no rowversion: every modified entity with a Version token gets the next number on save.</summary>
    private static void BumpVersion(EntityEntry entry)
    {
        if (entry.Metadata.FindProperty("Version") is not { IsConcurrencyToken: true }) return;
        var version = entry.Property("Version");
        version.CurrentValue = (long)version.OriginalValue! + 1;
    }
}
