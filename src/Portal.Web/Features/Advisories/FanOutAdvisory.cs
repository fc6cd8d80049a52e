using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Advisories;

/// <summary>
/// Which devices of a tenant become tasks. Every given part must match (AND); none given means every device of the tenant.
/// <list type="bullet">
/// <item><see cref="Os"/>: contained in the operating system, ignoring case ("windows" matches "Windows 11 23H2" and "Windows Server 2022").</item>
/// <item><see cref="Tag"/>: one of the device's tags, exactly, ignoring case (tags are stored lower case).</item>
/// <item><see cref="Site"/>: the device's site, exactly, ignoring case.</item>
/// </list>
/// </summary>
public sealed record DeviceFilter(string? Os, string? Tag, string? Site)
{
    public static readonly DeviceFilter All = new(null, null, null);

    public DeviceFilter Normalised() => new(Clean(Os), Clean(Tag), Clean(Site));

    public bool IsEmpty => Os is null && Tag is null && Site is null;

    public override string ToString() =>
        IsEmpty ? "every device" : string.Join(", ", new[] { Os is null ? null : $"OS contains '{Os}'", Tag is null ? null : $"tag '{Tag}'", Site is null ? null : $"site '{Site}'" }.Where(p => p is not null));

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToLowerInvariant();
}

/// <summary>
/// One action of an MSP engineer: open a linked incident from the advisory in every targeted tenant the MSP manages (or the
/// chosen ones), with the advisory's severity and impact, and one remediation task per matching device; the targets covered are
/// acknowledged. A tenant that already has its linked incident gets nothing new, so running it twice (or two engineers at
/// once: the unique (AdvisoryId, TenantId) index refuses the second, which re-runs and finds the first's) opens nothing twice.
/// A tenant whose linked incident was closed gets a new one (a second wave: the provider reopened the advisory after a fix
/// that did not hold); the new incident names the one it follows, and the closed one stays as it was. A linked incident that
/// was resolved before that reopening moves back to Investigating (<see cref="Incident.ReopenWith"/>); its tasks stay as
/// they are, for the MSP to set back where the fix did not hold.
/// This command is the first of the action's two units of work (the incidents, each with its <see cref="FanOutTaskPlan"/>);
/// <see cref="CreateFanOutTasks"/> is the second. Callers send both through <see cref="FanOutActions.FanOutAsync"/>.
/// </summary>
[Requires(Permission.WorkAdvisories)]
public sealed record FanOutAdvisory(Guid AdvisoryId, IReadOnlyList<Guid>? TenantIds, DeviceFilter? DeviceFilter)
    : ICommand<FanOutResult>, IAdvisoryRequest, IRetriedOnConflict;

/// <summary>What <see cref="FanOutAdvisory"/> would do with the same input, per tenant and in total; writes nothing.</summary>
[Requires(Permission.WorkAdvisories)]
public sealed record PreviewAdvisoryFanOut(Guid AdvisoryId, IReadOnlyList<Guid>? TenantIds, DeviceFilter? DeviceFilter)
    : IQuery<FanOutResult>, IAdvisoryRequest;

public enum FanOutOutcome
{
    /// <summary>The linked incident was opened now (or, in a preview, would be).</summary>
    Opened,

    /// <summary>The tenant already had its linked incident, open, or resolved since the advisory's latest reopening: nothing was added to it.</summary>
    AlreadyLinked,

    /// <summary>
    /// The tenant's linked incident was resolved before the provider reopened the advisory: it moved back to Investigating (or, in
    /// a preview, would). Nothing else was added to it.
    /// </summary>
    Reopened,
}

/// <param name="Follows">For a tenant whose earlier linked incident was closed, that incident's reference: the new one follows it.</param>
public sealed record FanOutTenantResult(Guid TenantId, string TenantName, FanOutOutcome Outcome, Guid? IncidentId, string? IncidentReference, int Tasks,
    string? Follows = null);

/// <param name="StillCreatingTasks">
/// True when the answer came before every task was made (<see cref="AdvisoryOptions.FanOutAnswerWithin"/>): the counts are what
/// exists so far, and the rest are being created in the background; each incident's progress shows them arrive.
/// </param>
public sealed record FanOutResult(Guid AdvisoryId, bool Preview, string DeviceFilter, int IncidentsOpened, int TasksCreated, int AlreadyLinked,
    IReadOnlyList<FanOutTenantResult> Tenants, bool StillCreatingTasks, int IncidentsReopened);

public sealed class FanOutAdvisoryValidator : AbstractValidator<FanOutAdvisory>
{
    public FanOutAdvisoryValidator() => FanOutRules.Apply(this, c => c.TenantIds, c => c.DeviceFilter);
}

public sealed class PreviewAdvisoryFanOutValidator : AbstractValidator<PreviewAdvisoryFanOut>
{
    public PreviewAdvisoryFanOutValidator() => FanOutRules.Apply(this, c => c.TenantIds, c => c.DeviceFilter);
}

/// <summary>The part of a fan-out that only reads: which tenants, which already have their incident, which devices match.</summary>
internal static class FanOutPlan
{
    /// <param name="Linked">The tenant's linked incident that is not closed (at most one: the unique index), which a fan-out leaves alone.</param>
    /// <param name="Closed">Otherwise the tenant's latest closed linked incident, which a new one follows.</param>
    /// <param name="Reopens">Whether <paramref name="Linked"/> was resolved before the advisory's latest reopening, and moves back to Investigating.</param>
    public sealed record Tenant(Guid Id, string Name, LinkedIncident? Linked, LinkedIncident? Closed, bool Reopens)
    {
        public FanOutTenantResult Result(Guid? openedId = null, string? openedReference = null) => Linked is { } linked
            ? new FanOutTenantResult(Id, Name, Reopens ? FanOutOutcome.Reopened : FanOutOutcome.AlreadyLinked, linked.Id, linked.Reference, 0)
            : new FanOutTenantResult(Id, Name, FanOutOutcome.Opened, openedId, openedReference, 0, Closed?.Reference);
    }

    public sealed record LinkedIncident(Guid Id, string Reference);

    /// <summary>
    /// The targets the user's MSP works on (the query filters loaded only the user's tenants into the advisory), narrowed to the
    /// chosen ones; a chosen tenant that is not targeted, not managed or not the user's to work on is 404, like any foreign id.
    /// </summary>
    public static async Task<List<Tenant>> TenantsAsync(PortalDbContext db, UserAccess user, Advisory advisory, IReadOnlyList<Guid>? chosen, CancellationToken ct)
    {
        var workable = advisory.Targets.Select(t => t.TenantId)
            .Where(t => user.AccessTo(t) == TenantAccess.Msp && user.Has(Permission.WorkAdvisories, t)).ToHashSet();
        List<Guid> tenantIds;
        if (chosen is null)
        {
            tenantIds = [.. workable];
        }
        else
        {
            if (chosen.FirstOrDefault(id => !workable.Contains(id)) is var missing && missing != Guid.Empty) throw new NotFoundException("tenant", missing);
            tenantIds = [.. chosen.Distinct()];
        }
        if (tenantIds.Count == 0) return [];

        // Each tenant's latest linked incident (a new one opens only once the earlier ones are closed, so an open one is the latest).
        var latest = (await db.Incidents.AsNoTracking()
                .Where(i => i.AdvisoryId == advisory.Id && tenantIds.Contains(i.TenantId))
                .Select(i => new { i.TenantId, i.Number, i.Status, i.ResolvedAt, Incident = new LinkedIncident(i.Id, i.Reference) })
                .ToListAsync(ct))
            .GroupBy(i => i.TenantId).ToDictionary(g => g.Key, g => g.MaxBy(i => i.Number)!);
        return [.. tenantIds.Select(id => latest.GetValueOrDefault(id) is { } i
                ? i.Status == IncidentStatus.Closed
                    ? new Tenant(id, user.Tenants[id].Name, null, i.Incident, Reopens: false)
                    : new Tenant(id, user.Tenants[id].Name, i.Incident, null, Reopens: advisory.BringsBack(i.Status, i.ResolvedAt))
                : new Tenant(id, user.Tenants[id].Name, null, null, Reopens: false))
            .OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    /// <summary>The tenants' devices that match, through the filtered context (the user's managed tenants only).</summary>
    public static IQueryable<Device> Devices(PortalDbContext db, IReadOnlyCollection<Guid> tenantIds, DeviceFilter filter) =>
        Matching(db.Devices.AsNoTracking().Where(d => tenantIds.Contains(d.TenantId)), filter);

    /// <summary>One tenant's matching devices in the order of their ids, after <paramref name="after"/>: a chunk of a fan-out's tasks (index (TenantId, Id)).</summary>
    public static IQueryable<Device> DevicesAfter(PortalDbContext db, Guid tenantId, Guid? after, DeviceFilter filter)
    {
        var devices = db.Devices.AsNoTracking().Where(d => d.TenantId == tenantId);
        if (after is { } id) devices = devices.Where(d => d.Id.CompareTo(id) > 0);
        return Matching(devices, filter).OrderBy(d => d.Id);
    }

    private static IQueryable<Device> Matching(IQueryable<Device> devices, DeviceFilter filter)
    {
        if (filter.Os is { } os) devices = devices.Where(d => d.OperatingSystem != null && d.OperatingSystem.ToLower().Contains(os));
        if (filter.Tag is { } tag)
        {
            var stored = "," + tag + ",";
            devices = devices.Where(d => d.Tags.Contains(stored));
        }
        if (filter.Site is { } site) devices = devices.Where(d => d.Site != null && d.Site.ToLower() == site);
        return devices;
    }

    public static FanOutResult Result(Guid advisoryId, bool preview, DeviceFilter filter, IReadOnlyList<FanOutTenantResult> tenants) =>
        new(advisoryId, preview, filter.ToString(), tenants.Count(t => t.Outcome == FanOutOutcome.Opened), tenants.Sum(t => t.Tasks),
            tenants.Count(t => t.Outcome == FanOutOutcome.AlreadyLinked), tenants, StillCreatingTasks: false,
            IncidentsReopened: tenants.Count(t => t.Outcome == FanOutOutcome.Reopened));

    public static void RequireOpen(Advisory advisory)
    {
        if (advisory.IsResolved)
            throw new DomainRuleException("advisory_resolved", "The advisory is resolved: there is nothing to open incidents for. The provider reopens it with an update if needed.");
    }
}

public sealed class PreviewAdvisoryFanOutHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<PreviewAdvisoryFanOut, FanOutResult>
{
    public async ValueTask<FanOutResult> Handle(PreviewAdvisoryFanOut query, CancellationToken cancellationToken)
    {
        var advisory = db.Advisories.Local.Single(a => a.Id == query.AdvisoryId); // loaded by AccessBehavior
        FanOutPlan.RequireOpen(advisory);
        var filter = (query.DeviceFilter ?? DeviceFilter.All).Normalised();
        var tenants = await FanOutPlan.TenantsAsync(db, currentUser.Required, advisory, query.TenantIds, cancellationToken);
        var toOpen = tenants.Where(t => t.Linked is null).Select(t => t.Id).ToList();
        var counts = toOpen.Count == 0 ? [] : await FanOutPlan.Devices(db, toOpen, filter)
            .GroupBy(d => d.TenantId).Select(g => new { TenantId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.TenantId, x => x.Count, cancellationToken);
        return FanOutPlan.Result(advisory.Id, preview: true, filter, [.. tenants.Select(t => t.Linked is null
            ? t.Result() with { Tasks = counts.GetValueOrDefault(t.Id) }
            : t.Result())]);
    }
}

public sealed class FanOutAdvisoryHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<FanOutAdvisory, FanOutResult>
{
    public async ValueTask<FanOutResult> Handle(FanOutAdvisory command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        // Loaded by AccessBehavior with the user's targets; a re-run after a conflict starts from a cleared context and reads it again.
        var advisory = db.Advisories.Local.SingleOrDefault(a => a.Id == command.AdvisoryId)
                       ?? await db.Advisories.Include(a => a.Targets).SingleAsync(a => a.Id == command.AdvisoryId, cancellationToken);
        FanOutPlan.RequireOpen(advisory);
        var filter = (command.DeviceFilter ?? DeviceFilter.All).Normalised();
        var now = clock.GetUtcNow();
        var tenants = await FanOutPlan.TenantsAsync(db, user, advisory, command.TenantIds, cancellationToken);
        var toOpen = tenants.Where(t => t.Linked is null).Select(t => t.Id).ToList();
        var toReopen = tenants.Where(t => t.Reopens).Select(t => t.Linked!.Id).ToList();
        var providerName = toOpen.Count + toReopen.Count == 0 ? ""
            : await db.Organisations.Where(o => o.Id == advisory.ProviderId).Select(o => o.Name).SingleAsync(cancellationToken);

        // The incidents only: customers learn of theirs with this commit. The tasks follow in a unit of work of their own
        // (CreateFanOutTasks, through the plan each incident gets here), so twenty MSPs fanning out at once do not keep every
        // customer waiting until every MSP's devices have become tasks.
        var opened = new Dictionary<Guid, Incident>();
        if (toOpen.Count > 0)
        {
            var numbers = await NextIncidentNumbersAsync(toOpen, cancellationToken);
            foreach (var tenant in tenants.Where(t => t.Linked is null))
            {
                var tenantId = tenant.Id;
                var (number, prefix) = numbers[tenantId];
                var incident = Incident.OpenFromAdvisory(tenantId, number, prefix, advisory, providerName, user.ActorIn(tenantId), now, follows: tenant.Closed?.Reference);
                db.Incidents.Add(incident);
                db.FanOutTaskPlans.Add(new FanOutTaskPlan(incident.Id, tenantId, advisory.Id, filter.Os, filter.Tag, filter.Site, now));
                opened[tenantId] = incident;
            }
        }

        // Resolved before the provider reopened the advisory: the fix did not hold there either. Its tasks stay as they are. Read
        // again, tracked: one an engineer changed since the plan's read is left as it now is (a change racing this save fails it on
        // the incident's version, and the command runs again).
        var reopened = new HashSet<Guid>();
        foreach (var incident in toReopen.Count == 0 ? [] : await db.Incidents.Where(i => toReopen.Contains(i.Id)).ToListAsync(cancellationToken))
        {
            if (incident.ReopenWith(advisory, providerName, user.ActorIn(incident.TenantId), now)) reopened.Add(incident.Id);
        }

        foreach (var tenant in tenants) advisory.TargetOf(tenant.Id).Acknowledge(user.ActorIn(tenant.Id), now);

        // A concurrent fan-out that opened one of these first fails here on the unique (AdvisoryId, TenantId) index; the
        // transaction then re-runs this command, which finds that incident and leaves the tenant alone.
        await db.SaveChangesAsync(cancellationToken);

        return FanOutPlan.Result(advisory.Id, preview: false, filter, [.. tenants.Select(t => t.Linked is null
            ? t.Result(opened[t.Id].Id, opened[t.Id].Reference)
            : (t with { Reopens = reopened.Contains(t.Linked.Id) }).Result())]);
    }

    /// <summary>
    /// The next incident number of each tenant, set-based: one UPDATE moves every counter (and locks the rows until commit, so
    /// two fan-outs, or a fan-out and an engineer opening an incident, number one after the other), one SELECT reads them back.
    /// </summary>
    private async Task<Dictionary<Guid, (int Number, string Prefix)>> NextIncidentNumbersAsync(List<Guid> tenantIds, CancellationToken ct)
    {
        var rows = db.Organisations.Where(o => tenantIds.Contains(o.Id) && o.Kind == OrganisationKind.Customer);
        await rows.ExecuteUpdateAsync(s => s.SetProperty(o => o.LastIncidentNumber, o => o.LastIncidentNumber + 1), ct);
        var numbers = await rows.Select(o => new { o.Id, o.LastIncidentNumber, o.IncidentPrefix }).ToListAsync(ct);
        if (numbers.Count != tenantIds.Count) throw new InvalidOperationException("A targeted tenant is not a customer organisation.");
        return numbers.ToDictionary(n => n.Id, n => (n.LastIncidentNumber, n.IncidentPrefix ?? "INC"));
    }
}
