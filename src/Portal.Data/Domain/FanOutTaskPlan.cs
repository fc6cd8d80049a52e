namespace Portal.Domain;

/// <summary>
/// The tasks an advisory fan-out still owes one of the incidents it opened: which devices (the fan-out's device filter, each part
/// optional and normalised to lower case), recorded in the transaction that opens the incident. A fan-out commits its incidents
/// first, so every customer learns of its linked incident without waiting for the MSP's other tenants' tasks, and then creates
/// the tasks in chunks, each in a transaction of its own that moves <see cref="DoneThroughDeviceId"/> on (and the last removes
/// the plan): other writers get their turn between chunks (one transaction for a million devices held SQLite's only writer
/// for 20 s), and the tasks exist exactly once whoever creates them — the same fan-out call, a later call for the same
/// advisory, or the sweep when the process stopped in between, each going on from the plan's position.
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
        TouchedAt = plannedAt;
    }

    public Guid IncidentId { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid AdvisoryId { get; private set; }
    public string? DeviceOs { get; private set; }
    public string? DeviceTag { get; private set; }
    public string? DeviceSite { get; private set; }
    public DateTimeOffset PlannedAt { get; private set; }

    /// <summary>The devices of the tenant up to this id (in the database's order of ids) have their task; null: none yet.</summary>
    public Guid? DoneThroughDeviceId { get; private set; }

    /// <summary>When a runner last committed a chunk of this plan (or planned it): the sweep leaves a plan that moves alone.</summary>
    public DateTimeOffset TouchedAt { get; private set; }

    /// <summary>A chunk committed: its devices up to <paramref name="lastDeviceId"/> have their task.</summary>
    public void ChunkDone(Guid lastDeviceId, DateTimeOffset now)
    {
        DoneThroughDeviceId = lastDeviceId;
        TouchedAt = now;
    }
}
