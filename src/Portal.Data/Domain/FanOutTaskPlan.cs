namespace Portal.Domain;

/// <summary>
/// The tasks an advisory fan-out still owes one of the incidents it opened: which devices (the fan-out's device filter, each part
/// optional and normalised to lower case), recorded in the transaction that opens the incident. A fan-out commits its incidents
/// first, so every customer learns of its linked incident without waiting for the MSP's other tenants' tasks, and then creates
/// the tasks in a second transaction that removes the plan: the tasks exist exactly once whoever creates them — the same
/// fan-out call right after, a later call for the same advisory, or the sweep when the process stopped in between.
/// </summary>
public sealed class FanOutTaskPlan
{
    private FanOutTaskPlan() { }

    public FanOutTaskPlan(Guid incidentId, Guid tenantId, Guid advisoryId, string? deviceOs, string? deviceTag, string? deviceSite, DateTimeOffset plannedAt)
    {
        IncidentId = incidentId;
        TenantId = tenantId;
        AdvisoryId = advisoryId;
        DeviceOs = deviceOs;
        DeviceTag = deviceTag;
        DeviceSite = deviceSite;
        PlannedAt = plannedAt;
    }

    public Guid IncidentId { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid AdvisoryId { get; private set; }
    public string? DeviceOs { get; private set; }
    public string? DeviceTag { get; private set; }
    public string? DeviceSite { get; private set; }
    public DateTimeOffset PlannedAt { get; private set; }
}
