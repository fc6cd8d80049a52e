using System.Reflection;
using System.Runtime.CompilerServices;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Pipeline;

/// <summary>
/// Tenant access and roles, checked once for every message: a foreign or missing incident or tenant is 404
/// (indistinguishable, so ids cannot be probed); a visible one without the needed permission is 403.
/// The incident (task, device) is looked up through the filtered context, so the query filters and this check agree.
/// The context is resolved only then: a cached read should not pay for one.
/// </summary>
public sealed class AccessBehavior<TMessage, TResponse>(CurrentUser currentUser, IServiceProvider services, IKnownIncidentTenants? knownTenants = null)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    private static readonly Permission? Required = typeof(TMessage).GetCustomAttribute<RequiresAttribute>()?.Permission;
    private static readonly bool AnySignedInUser = typeof(TMessage).IsDefined(typeof(AnySignedInUserAttribute), inherit: false);

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        if (AnySignedInUser) return await next(message, cancellationToken);
        var permission = Required ?? throw new InvalidOperationException($"{typeof(TMessage).Name} declares no [Requires] permission; every message must.");

        if (message is IAdvisoryRequest advisoryRequest)
        {
            await CheckAdvisoryAsync(advisoryRequest, user, permission, cancellationToken);
            return await next(message, cancellationToken);
        }

        if (message is IProviderRequest { ProviderId: var providerId })
        {
            if (!user.Memberships.Any(m => m.OrganisationId == providerId && m.Kind == OrganisationKind.Provider)) throw new NotFoundException("provider", providerId);
            if (!user.HasIn(permission, providerId)) throw new NotPermittedException($"Your role does not allow this ({permission}).");
            return await next(message, cancellationToken);
        }

        if (message is IMspRequest { MspId: var mspId })
        {
            if (!user.Memberships.Any(m => m.OrganisationId == mspId && m.Kind == OrganisationKind.Msp)) throw new NotFoundException("MSP", mspId);
            if (!user.HasIn(permission, mspId)) throw new NotPermittedException($"Your role does not allow this ({permission}).");
            return await next(message, cancellationToken);
        }

        if (message is IOrganisationRequest { OrganisationId: var organisationId })
        {
            if (user.IsPlatformAdmin && user.Has(permission)) return await next(message, cancellationToken);
            if (user.Memberships.All(m => m.OrganisationId != organisationId)) throw new NotFoundException("organisation", organisationId);
            if (!user.HasIn(permission, organisationId)) throw new NotPermittedException($"Your role does not allow this ({permission}).");
            return await next(message, cancellationToken);
        }

        if (message is IContractRequest { ContractId: var contractId })
        {
            var contract = await Db.Contracts.FirstOrDefaultAsync(c => c.Id == contractId, cancellationToken)
                           ?? throw new NotFoundException("contract", contractId);
            if (user.IsPlatformAdmin && user.Has(permission)) return await next(message, cancellationToken);
            var sides = user.Memberships.Where(m => m.OrganisationId == contract.MspId || m.OrganisationId == contract.CustomerId).ToList();
            if (sides.Count == 0) throw new NotFoundException("contract", contractId);
            if (!sides.Any(m => RoleRules.Grants(m.Role, permission))) throw new NotPermittedException($"Your role does not allow this ({permission}).");
            return await next(message, cancellationToken);
        }

        Guid? tenantId = message switch
        {
            // A read about an incident whose tenant is known: no database read (a crowd of customers refetching one incident page).
            IIncidentRequest r when message is not IBaseCommand && knownTenants is not null && knownTenants.TryGetTenant(r.IncidentId, out var known) =>
                user.AccessTo(known) != TenantAccess.None ? known : throw new NotFoundException("incident", r.IncidentId),
            // Loaded (and tracked) whole: the handler then takes it from the context instead of querying again.
            IIncidentRequest r => (await AccessLookups.IncidentAsync(Db, r.IncidentId, cancellationToken))?.TenantId
                                  ?? throw new NotFoundException("incident", r.IncidentId),
            ITaskRequest r => (await AccessLookups.TaskAsync(Db, r.TaskId, cancellationToken))?.TenantId
                               ?? throw new NotFoundException("task", r.TaskId),
            IDeviceRequest r => (await AccessLookups.DeviceAsync(Db, r.DeviceId, cancellationToken))?.TenantId
                                ?? throw new NotFoundException("device", r.DeviceId),
            ITenantRequest r => user.AccessTo(r.TenantId) != TenantAccess.None ? r.TenantId : throw new NotFoundException("tenant", r.TenantId),
            IOptionalTenantRequest { TenantId: { } id } => user.AccessTo(id) != TenantAccess.None ? id : throw new NotFoundException("tenant", id),
            _ => null,
        };

        var allowed = tenantId is { } tenant ? user.Has(permission, tenant) : user.Has(permission);
        if (!allowed) throw new NotPermittedException($"Your role does not allow this ({permission}).");
        return await next(message, cancellationToken);
    }

    /// <summary>Resolved only when a lookup needs it: a cached read should not pay for a context.</summary>
    private PortalDbContext Db => services.GetRequiredService<PortalDbContext>();

    private async Task CheckAdvisoryAsync(IAdvisoryRequest request, UserAccess user, Permission permission, CancellationToken cancellationToken)
    {
        var db = Db;
        // Loaded (and tracked) whole, with its targets: the handler takes it from the context (Local) instead of querying again.
        var advisory = await db.Advisories.Include(a => a.Targets).Include(a => a.Overrides).Include(a => a.Services)
                           .AsSplitQuery().FirstOrDefaultAsync(a => a.Id == request.AdvisoryId, cancellationToken)
                       ?? throw new NotFoundException("advisory", request.AdvisoryId);
        bool allowed;
        if (request is ITenantRequest { TenantId: var tenantId })
        {
            // A tenant the user cannot reach, or one the advisory does not target (and whose MSP has not decided on), is not there.
            var reachable = user.AccessTo(tenantId) != TenantAccess.None;
            var concerned = advisory.IsTargeting(tenantId) || advisory.Overrides.Any(o => o.TenantId == tenantId) || permission == Permission.WorkAdvisories;
            if (!reachable || !concerned) throw new NotFoundException("tenant", tenantId);
            allowed = user.Has(permission, tenantId);
        }
        else
        {
            allowed = RoleRules.IsProviderScoped(permission) ? user.HasIn(permission, advisory.ProviderId) : user.Has(permission);
        }
        if (!allowed) throw new NotPermittedException($"Your role does not allow this ({permission}).");
    }
}

/// <summary>
/// The access check's lookups by id, compiled once (EF.CompileAsyncQuery): every command on an incident, task or device runs
/// one, and a LINQ query would walk its expression tree for the captured id and look up the query cache on every call.
/// Still the filtered, tracking queries: the tenant filters apply per context as for any query, and the handler finds the
/// record in the context afterwards. One set per model: EF Core binds a compiled query to the model it first ran on and
/// refuses another (one process can hold several, e.g. the tests' SQLite and PostgreSQL apps).
/// </summary>
internal sealed class AccessLookups
{
    private static readonly ConditionalWeakTable<IModel, AccessLookups> PerModel = new();

    public static Task<Incident?> IncidentAsync(PortalDbContext db, Guid id, CancellationToken ct) => For(db)._incidentById(db, id, ct);
    public static Task<RemediationTask?> TaskAsync(PortalDbContext db, Guid id, CancellationToken ct) => For(db)._taskById(db, id, ct);
    public static Task<Device?> DeviceAsync(PortalDbContext db, Guid id, CancellationToken ct) => For(db)._deviceById(db, id, ct);

    private static AccessLookups For(PortalDbContext db) => PerModel.GetValue(db.Model, _ => new AccessLookups());

    private readonly Func<PortalDbContext, Guid, CancellationToken, Task<Incident?>> _incidentById =
        EF.CompileAsyncQuery((PortalDbContext db, Guid id, CancellationToken ct) => db.Incidents.FirstOrDefault(i => i.Id == id));

    private readonly Func<PortalDbContext, Guid, CancellationToken, Task<RemediationTask?>> _taskById =
        EF.CompileAsyncQuery((PortalDbContext db, Guid id, CancellationToken ct) => db.RemediationTasks.FirstOrDefault(t => t.Id == id));

    private readonly Func<PortalDbContext, Guid, CancellationToken, Task<Device?>> _deviceById =
        EF.CompileAsyncQuery((PortalDbContext db, Guid id, CancellationToken ct) => db.Devices.FirstOrDefault(d => d.Id == id));
}
