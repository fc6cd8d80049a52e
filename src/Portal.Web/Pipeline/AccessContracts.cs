using Portal.Domain;

namespace Portal.Pipeline;

/// <summary>Every command and query names the permission it needs; <see cref="AccessBehavior{TMessage,TResponse}"/> refuses a message without one.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RequiresAttribute(Permission permission) : Attribute
{
    public Permission Permission { get; } = permission;
}

/// <summary>For messages about the signed-in user themselves: any known Portal user may send them.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AnySignedInUserAttribute : Attribute;

/// <summary>A message about one incident: the incident must be visible to the user (else 404) before the permission is checked in its tenant.</summary>
public interface IIncidentRequest
{
    Guid IncidentId { get; }
}

/// <summary>
/// Incidents whose tenant is known in memory (an incident never changes tenant): the access check of a read about one of them
/// asks the user's access to that tenant instead of reading the incident, the answer the filtered read gives (an incident is
/// visible exactly to those who reach its tenant). Implemented by a feature that learns them from its own reads (the customers'
/// shared incident views); without one, every check reads.
/// </summary>
public interface IKnownIncidentTenants
{
    bool TryGetTenant(Guid incidentId, out Guid tenantId);
}

/// <summary>A message about one customer tenant: the tenant must be reachable by the user (else 404).</summary>
public interface ITenantRequest
{
    Guid TenantId { get; }
}

/// <summary>
/// A message about one remediation task: the task is loaded through the filtered context (only the managing MSP sees
/// tasks), so a foreign or missing task is 404, then the permission is checked in its tenant.
/// </summary>
public interface ITaskRequest
{
    Guid TaskId { get; }
}

/// <summary>A message about one device: visible through the filtered context (else 404), then the permission in its tenant.</summary>
public interface IDeviceRequest
{
    Guid DeviceId { get; }
}

/// <summary>
/// A message about one provider advisory: visible through the filtered context (a provider its own, a tenant's side those that
/// target its tenants), else 404. Provider permissions are then checked in the advisory's provider; with <see cref="ITenantRequest"/>
/// too, the tenant must be one the advisory targets (else 404) and the permission is checked in it.
/// </summary>
public interface IAdvisoryRequest
{
    Guid AdvisoryId { get; }
}

/// <summary>A message in the name of one provider (publish an advisory): the user must belong to it (else 404) and hold the permission there.</summary>
public interface IProviderRequest
{
    Guid ProviderId { get; }
}

/// <summary>A message in the name of one MSP (its escalation policy, its rotation): the user must belong to it (else 404) and hold the permission there.</summary>
public interface IMspRequest
{
    Guid MspId { get; }
}

/// <summary>
/// A message about one organisation itself (its people, its audit log, its name): the user must belong to it (else 404,
/// like a missing one) and hold the permission there (else 403). A platform administrator holding the permission may act on
/// every organisation; whether it exists is then the handler's 404.
/// </summary>
public interface IOrganisationRequest
{
    Guid OrganisationId { get; }
}

/// <summary>
/// A message about one MSP contract: the user must belong to its MSP or its customer (else 404, like a missing one) and hold the
/// permission in one of them (else 403). A platform administrator holding the permission may act on any contract. The contract is
/// loaded (tracked) here, so the handler takes it from the context.
/// </summary>
public interface IContractRequest
{
    Guid ContractId { get; }
}

/// <summary>A message that may narrow to one tenant (a list filter); a foreign tenant id answers 404, like a direct one.</summary>
public interface IOptionalTenantRequest
{
    Guid? TenantId { get; }
}

/// <summary>
/// A command that says what the result should be ("these tasks are Done") rather than editing a copy the client
/// read: when another command changed the same rows first (a concurrency conflict, a deadlock), the transaction
/// runs it again on fresh data instead of answering 409. Its handler must read everything it decides on. An incident
/// command with an expected version (If-Match) still answers 409 <c>stale_version</c> when the re-run finds the version
/// moved: the client asked for exactly that version. Without one (a note, a change "whatever it is now"), a busy incident
/// — notes, imports and severity changes landing together — answers every caller instead of refusing the slower ones.
/// </summary>
public interface IRetriedOnConflict;
