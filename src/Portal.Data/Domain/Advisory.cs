namespace Portal.Domain;

public enum AdvisoryStatus { Investigating, Identified, Mitigating, Monitoring, Resolved }

/// <summary>What the live streams are told after a unit of work changed an advisory (not stored).</summary>
/// <summary>
/// What a change to an advisory tells the live streams: <see cref="Published"/> and <see cref="Updated"/> (its content or status)
/// reach the provider and every target; <see cref="Retargeted"/> (an MSP's override, a tenant's subscription) only the provider and
/// the tenants that became or stopped being targets: the others saw nothing change, and being told would let them follow
/// another MSP's work on another tenant.
/// </summary>
public enum AdvisoryAnnouncement { None, Published, Updated, Retargeted }

/// <summary>What a provider writes: the part of an advisory that is edited as a whole and kept as a revision.</summary>
public sealed record AdvisoryContent(string Title, Severity Severity, string Impact, string? Runbook, IReadOnlyCollection<Guid> ServiceIds, IReadOnlyCollection<string> Regions);

/// <summary>
/// A provider's advisory: broadcast once, it reaches exactly the tenants whose subscriptions match its services (and regions),
/// plus those their MSP added, minus those their MSP removed. The advisory owns its targets: <see cref="Retarget"/> is the
/// only way they change, so the overrides always win over the subscriptions. Edits keep every earlier revision; updates are
/// appended and never edited. The impact text is what customers read; the runbook (Markdown) is for the engineers.
/// </summary>
public sealed class Advisory
{
    public const int TitleMaxLength = 200;
    public const int ImpactMaxLength = 4000;
    public const int RunbookMaxLength = 20_000;
    public const int UpdateMaxLength = 8000;
    public const int RegionMaxLength = 64;
    public const int MaxServices = 50;
    public const int MaxRegions = 50;

    private readonly List<AdvisoryService> _services = [];
    private readonly List<AdvisoryTarget> _targets = [];
    private readonly List<AdvisoryTargetOverride> _overrides = [];
    private readonly List<AdvisoryUpdate> _updates = [];
    private readonly List<AdvisoryRevision> _revisions = [];

    private Advisory() { Title = ""; Impact = ""; Regions = ""; PublishedByName = ""; }

    public Guid Id { get; private set; }
    public Guid ProviderId { get; private set; }
    public string Title { get; private set; }
    public Severity Severity { get; private set; }

    /// <summary>What customers are told (the linked incidents' customer summary).</summary>
    public string Impact { get; private set; }

    /// <summary>Workaround / runbook steps in Markdown, rendered safely wherever shown.</summary>
    public string? Runbook { get; private set; }
    public AdvisoryStatus Status { get; private set; }

    /// <summary>Affected regions, lower case, as ",westeurope,northeurope,"; empty means every region.</summary>
    public string Regions { get; private set; }
    public Guid PublishedById { get; private set; }
    public string PublishedByName { get; private set; }
    public DateTimeOffset PublishedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }

    /// <summary>When an update last reopened the advisory after it was resolved (a fix that did not hold); null if it never was.</summary>
    public DateTimeOffset? ReopenedAt { get; private set; }

    /// <summary>The number of the current revision (1 when published; each edit adds one).</summary>
    public int Revision { get; private set; }

    /// <summary>How many updates were posted (the first is the publication itself).</summary>
    public int UpdateCount { get; private set; }

    public long Version { get; private set; }

    public IReadOnlyCollection<AdvisoryService> Services => _services;
    public IReadOnlyCollection<AdvisoryTarget> Targets => _targets;
    public IReadOnlyCollection<AdvisoryTargetOverride> Overrides => _overrides;

    /// <summary>The updates appended in this unit of work (the whole list is read through a query, not loaded here).</summary>
    public IReadOnlyCollection<AdvisoryUpdate> Updates => _updates;

    /// <summary>The revisions written in this unit of work (likewise).</summary>
    public IReadOnlyCollection<AdvisoryRevision> Revisions => _revisions;

    /// <summary>Set by the change that should reach the live streams once committed; not stored.</summary>
    public AdvisoryAnnouncement Announcement { get; private set; }

    /// <summary>Tenants that stopped being targets in this unit of work (their status pages must forget it); not stored.</summary>
    public IReadOnlyCollection<Guid> DroppedTenants => _dropped;
    private readonly List<Guid> _dropped = [];

    /// <summary>
    /// Tenants that became targets in this unit of work through a subscription of theirs, not through their MSP's own override
    /// (their MSP is told, as for a new advisory); not stored.
    /// </summary>
    public IReadOnlyCollection<Guid> NewTargetsBySubscription => _newBySubscription;
    private readonly List<Guid> _newBySubscription = [];

    /// <summary>Tenants that became targets in this unit of work, by any means; not stored.</summary>
    public IReadOnlyCollection<Guid> AddedTenants => _added;
    private readonly List<Guid> _added = [];

    /// <summary>Called once the change was recorded for the commit path, so a later save in the same scope does not repeat it.</summary>
    internal void Announced()
    {
        Announcement = AdvisoryAnnouncement.None;
        _dropped.Clear();
        _newBySubscription.Clear();
        _added.Clear();
    }

    public bool IsResolved => Status == AdvisoryStatus.Resolved;

    /// <summary>
    /// Whether a fan-out brings back a linked incident in <paramref name="status"/>, resolved at <paramref name="resolvedAt"/>: it is
    /// Resolved, and was resolved before the advisory's latest reopening, so its fix did not hold either. One resolved after the
    /// reopening was resolved knowingly; one still open or already closed is left as it is. Takes the two values rather than the
    /// incident so that a plan can ask it of a projection (<see cref="Incident.ReopenWith"/> asks it of the entity).
    /// </summary>
    public bool BringsBack(IncidentStatus status, DateTimeOffset? resolvedAt) =>
        status == IncidentStatus.Resolved && resolvedAt is { } resolved && !IsResolved && ReopenedAt is { } reopened && reopened > resolved;

    public IReadOnlyList<string> RegionList => Regions.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public static Advisory Publish(Guid providerId, AdvisoryContent content, AdvisoryStatus status, Guid authorId, string authorName, DateTimeOffset now)
    {
        RequireStatus(status);
        var advisory = new Advisory
        {
            Id = Guid.CreateVersion7(now),
            ProviderId = providerId,
            Status = status,
            PublishedById = authorId,
            PublishedByName = authorName,
            PublishedAt = now,
            UpdatedAt = now,
            ResolvedAt = status == AdvisoryStatus.Resolved ? now : null,
        };
        advisory.Apply(content, authorId, authorName, now);
        advisory.Append(status, $"Published: {advisory.Title}", authorId, authorName, now);
        advisory.Announcement = AdvisoryAnnouncement.Published;
        return advisory;
    }

    /// <summary>A new revision of the content; the earlier ones stay. True when the services or regions changed (retarget then).</summary>
    public bool Edit(AdvisoryContent content, Guid authorId, string authorName, DateTimeOffset now)
    {
        var before = (Services: _services.Select(s => s.ServiceId).Order().ToList(), Regions);
        Apply(content, authorId, authorName, now);
        UpdatedAt = now;
        Announcement = AdvisoryAnnouncement.Updated;
        return !before.Services.SequenceEqual(_services.Select(s => s.ServiceId).Order()) || before.Regions != Regions;
    }

    /// <summary>
    /// An update to everyone concerned (status and text); a resolved advisory can be reopened by a later update, and then every
    /// target is unacknowledged again: its MSP's inbox and alerts ask for it as for a new advisory (a fix that did not hold is
    /// news at 3 a.m.). Every target must be loaded for that.
    /// </summary>
    public AdvisoryUpdate PostUpdate(AdvisoryStatus status, string text, Guid authorId, string authorName, DateTimeOffset now)
    {
        RequireStatus(status);
        var body = PlainText.Require(text, UpdateMaxLength, "update");
        if (IsResolved && status != AdvisoryStatus.Resolved)
        {
            foreach (var target in _targets) target.Reopened();
            ReopenedAt = now;
        }
        Status = status;
        ResolvedAt = status == AdvisoryStatus.Resolved ? now : null;
        UpdatedAt = now;
        Announcement = AdvisoryAnnouncement.Updated;
        return Append(status, body, authorId, authorName, now);
    }

    /// <summary>
    /// Sets the targets to the tenants whose subscriptions match, with the MSPs' overrides applied (added tenants in, removed
    /// tenants out). Returns the tenants that became targets and those that stopped being targets.
    /// </summary>
    public (IReadOnlyList<Guid> Added, IReadOnlyList<Guid> Removed) Retarget(IReadOnlyCollection<Guid> matchingTenants, DateTimeOffset now)
    {
        var wanted = new Dictionary<Guid, AdvisoryTargetSource>();
        foreach (var tenant in matchingTenants) wanted[tenant] = AdvisoryTargetSource.Subscription;
        foreach (var o in _overrides)
        {
            if (o.Include) wanted.TryAdd(o.TenantId, AdvisoryTargetSource.AddedByMsp);
            else wanted.Remove(o.TenantId);
        }
        var removed = _targets.Where(t => !wanted.ContainsKey(t.TenantId)).ToList();
        foreach (var target in removed) _targets.Remove(target);
        _dropped.AddRange(removed.Select(t => t.TenantId));
        var present = _targets.Select(t => t.TenantId).ToHashSet();
        var added = wanted.Where(w => !present.Contains(w.Key)).Select(w => w.Key).ToList();
        foreach (var tenant in added) _targets.Add(new AdvisoryTarget(Id, tenant, wanted[tenant], now));
        _newBySubscription.AddRange(added.Where(tenant => wanted[tenant] == AdvisoryTargetSource.Subscription));
        _added.AddRange(added);
        if (added.Count > 0 || removed.Count > 0) Announcement = Announcement == AdvisoryAnnouncement.None ? AdvisoryAnnouncement.Retargeted : Announcement;
        return (added, [.. removed.Select(t => t.TenantId)]);
    }

    /// <summary>An MSP says one of its tenants is affected (or not) whatever the subscriptions say; <see cref="Retarget"/> applies it.</summary>
    public void Override(Guid tenantId, bool include, Actor actor, DateTimeOffset now)
    {
        if (actor.Access != TenantAccess.Msp) throw new NotPermittedException("Only the tenant's MSP may add it to or remove it from an advisory.");
        _overrides.RemoveAll(o => o.TenantId == tenantId);
        _overrides.Add(new AdvisoryTargetOverride(Id, tenantId, include, actor, now));
    }

    public AdvisoryTarget TargetOf(Guid tenantId) =>
        _targets.FirstOrDefault(t => t.TenantId == tenantId) ?? throw new NotFoundException("advisory target", tenantId);

    public bool IsTargeting(Guid tenantId) => _targets.Any(t => t.TenantId == tenantId);

    private void Apply(AdvisoryContent content, Guid authorId, string authorName, DateTimeOffset now)
    {
        if (!Enum.IsDefined(content.Severity)) throw new InvalidValueException("invalid_severity", $"Severity {(int)content.Severity} does not exist.");
        var title = PlainText.Require(content.Title, TitleMaxLength, "title", multiline: false);
        var impact = PlainText.Require(content.Impact, ImpactMaxLength, "impact");
        var runbook = string.IsNullOrWhiteSpace(content.Runbook) ? null : PlainText.Require(content.Runbook, RunbookMaxLength, "runbook");
        var services = content.ServiceIds.Distinct().ToList();
        if (services.Count == 0) throw new InvalidValueException("no_services", "An advisory names at least one affected service.");
        if (services.Count > MaxServices) throw new InvalidValueException("too_many_services", $"An advisory names at most {MaxServices} services.");
        var regions = content.Regions.Select(r => r.Trim().ToLowerInvariant()).Where(r => r.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
        if (regions.Count > MaxRegions) throw new InvalidValueException("too_many_regions", $"An advisory names at most {MaxRegions} regions.");
        if (regions.FirstOrDefault(r => r.Length > RegionMaxLength || r.Contains(',') || !PlainText.IsPlain(r, multiline: false)) is { } bad)
            throw new InvalidValueException("invalid_region", $"Region '{bad}' is not a region name (at most {RegionMaxLength} characters, no commas or control characters).");

        Title = title;
        Severity = content.Severity;
        Impact = impact;
        Runbook = runbook;
        Regions = regions.Count == 0 ? "" : $",{string.Join(',', regions)},";
        _services.RemoveAll(s => !services.Contains(s.ServiceId));
        foreach (var id in services.Where(id => _services.All(s => s.ServiceId != id))) _services.Add(new AdvisoryService(Id, id));
        Revision++;
        _revisions.Add(new AdvisoryRevision(this, authorId, authorName, now));
    }

    private AdvisoryUpdate Append(AdvisoryStatus status, string text, Guid authorId, string authorName, DateTimeOffset now)
    {
        UpdateCount++;
        var update = new AdvisoryUpdate(Guid.CreateVersion7(now), Id, UpdateCount, status, text, authorId, authorName, now);
        _updates.Add(update);
        return update;
    }

    private static void RequireStatus(AdvisoryStatus status)
    {
        if (!Enum.IsDefined(status)) throw new InvalidValueException("invalid_status", $"Status {(int)status} does not exist.");
    }
}
