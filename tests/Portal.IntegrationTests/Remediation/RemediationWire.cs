using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Remediation;

// The remediation wire contract as a client sees it (enums as strings), independent of the product's records.

public sealed record DeviceDto(Guid Id, Guid TenantId, string Hostname, string? ExternalId, string? OperatingSystem, string? Site, string[] Tags,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);

public sealed record DevicePageDto(DeviceDto[] Items, string? Next);

public sealed record TaskDeviceDto(Guid Id, string Hostname, string? ExternalId, string? Site, string[] Tags, string? OperatingSystem);

public sealed record TaskDto(Guid Id, Guid IncidentId, string Title, TaskDeviceDto? Device, string State, string? Reason, PersonDto? Assignee,
    DateTimeOffset UpdatedAt, long Version, string[] NextStates);

public sealed record TaskPageDto(TaskDto[] Items, string? Next);

public sealed record TaskChangeDto(Guid Id, DateTimeOffset At, string Actor, string From, string To, string? Reason);

public sealed record ProgressDto(int Pending, int InProgress, int Blocked, int Done, int Failed, int NotApplicable, int Total, int Completed, int Remaining);

public sealed record IncidentProgressDto(Guid IncidentId, Guid TenantId, ProgressDto Counts, DateTimeOffset? UpdatedAt);

public sealed record TenantProgressDto(Guid TenantId, string TenantName, int Incidents, ProgressDto Counts);

public sealed record MspProgressDto(TenantProgressDto[] Tenants, ProgressDto Total);

public sealed record BulkItemResultDto(int Index, string? ExternalId, Guid? TaskId, string Result, string? Message, string? State, string? Title = null);

public sealed record BulkResultDto(string State, int Updated, int Unchanged, int NotFound, int NotAllowed, int StaleVersion, BulkItemResultDto[] Items, ProgressDto Progress);

public static class RemediationApiCalls
{
    public static async Task<TaskDto> AddTaskAsync(this HttpClient client, Guid incidentId, Guid? deviceId = null, string? title = null)
    {
        using var response = await client.PostJsonAsync($"/api/v1/incidents/{incidentId}/tasks", new { deviceId, title });
        return await response.ReadAsync<TaskDto>(HttpStatusCode.Created);
    }

    /// <summary>A new device of the tenant, and its task in the incident: what the counters count (a free task they do not).</summary>
    public static async Task<TaskDto> AddDeviceTaskAsync(this HttpClient client, Guid tenantId, Guid incidentId, string hostname)
    {
        using var response = await client.PostJsonAsync($"/api/v1/tenants/{tenantId}/devices", new { hostname });
        var device = await response.ReadAsync<DeviceDto>(HttpStatusCode.Created);
        return await client.AddTaskAsync(incidentId, deviceId: device.Id);
    }

    public static async Task<TaskDto> SetStateAsync(this HttpClient client, Guid taskId, string state, string? reason = null)
    {
        using var response = await client.PostJsonAsync($"/api/v1/tasks/{taskId}/state", new { state, reason });
        return await response.ReadAsync<TaskDto>();
    }

    public static async Task<BulkResultDto> BulkAsync(this HttpClient client, Guid incidentId, object body)
    {
        using var response = await client.PostJsonAsync($"/api/v1/incidents/{incidentId}/tasks/bulk-state", body);
        return await response.ReadAsync<BulkResultDto>();
    }

    public static async Task<TaskChangeDto[]> TaskHistoryAsync(this HttpClient client, Guid taskId)
    {
        using var response = await client.GetAsync($"/api/v1/tasks/{taskId}/history");
        return await response.ReadAsync<TaskChangeDto[]>();
    }

    public static async Task<IncidentProgressDto> IncidentProgressAsync(this HttpClient client, Guid incidentId)
    {
        using var response = await client.GetAsync($"/api/v1/incidents/{incidentId}/progress");
        return await response.ReadAsync<IncidentProgressDto>();
    }

    /// <summary>Every page of the incident's task list, following 'next'.</summary>
    public static async Task<List<TaskDto>> AllTasksAsync(this HttpClient client, Guid incidentId, string query = "", int limit = 500)
    {
        var all = new List<TaskDto>();
        string? cursor = null;
        do
        {
            var url = $"/api/v1/incidents/{incidentId}/tasks?limit={limit}{(query.Length > 0 ? "&" + query : "")}{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}";
            using var response = await client.GetAsync(url);
            var page = await response.ReadAsync<TaskPageDto>();
            all.AddRange(page.Items);
            cursor = page.Next;
        } while (cursor is not null);
        return all;
    }
}

/// <summary>The oracle: device tasks counted directly in the database (system access), compared with the maintained counters (which count devices, not free tasks).</summary>
public static class RemediationOracle
{
    public static Task<Dictionary<RemediationState, int>> CountByStateAsync(this PortalApp app, Guid incidentId) => app.QueryAsync(async db =>
        (await db.RemediationTasks.AsNoTracking().Where(t => t.IncidentId == incidentId && t.DeviceId != null).GroupBy(t => t.State)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync()).ToDictionary(x => x.Key, x => x.Count));

    public static Task<Dictionary<RemediationState, int>> CountByStateInTenantAsync(this PortalApp app, Guid tenantId) => app.QueryAsync(async db =>
        (await db.RemediationTasks.AsNoTracking().Where(t => t.TenantId == tenantId && t.DeviceId != null).GroupBy(t => t.State)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync()).ToDictionary(x => x.Key, x => x.Count));

    public static void ShouldEqual(this ProgressDto progress, IReadOnlyDictionary<RemediationState, int> counted, string because)
    {
        int C(RemediationState s) => counted.GetValueOrDefault(s);
        progress.ShouldSatisfyAllConditions(
            p => p.Pending.ShouldBe(C(RemediationState.Pending), because + " (Pending)"),
            p => p.InProgress.ShouldBe(C(RemediationState.InProgress), because + " (InProgress)"),
            p => p.Blocked.ShouldBe(C(RemediationState.Blocked), because + " (Blocked)"),
            p => p.Done.ShouldBe(C(RemediationState.Done), because + " (Done)"),
            p => p.Failed.ShouldBe(C(RemediationState.Failed), because + " (Failed)"),
            p => p.NotApplicable.ShouldBe(C(RemediationState.NotApplicable), because + " (NotApplicable)"),
            p => p.Total.ShouldBe(counted.Values.Sum(), because + " (Total)"),
            p => p.Completed.ShouldBe(C(RemediationState.Done) + C(RemediationState.NotApplicable), because + " (Completed)"),
            p => p.Remaining.ShouldBe(p.Total - p.Completed, because + " (Remaining)"));
    }

    /// <summary>The incident's and its tenant's roll-ups as the API answers them equal a direct COUNT … GROUP BY State.</summary>
    public static async Task ShouldMatchDirectCountAsync(this PortalApp app, HttpClient msp, Guid incidentId, Guid tenantId, string scenario)
    {
        (await msp.IncidentProgressAsync(incidentId)).Counts.ShouldEqual(await app.CountByStateAsync(incidentId), $"incident roll-up after {scenario}");
        using var tenant = await msp.GetAsync($"/api/v1/tenants/{tenantId}/progress");
        (await tenant.ReadAsync<TenantProgressDto>()).Counts.ShouldEqual(await app.CountByStateInTenantAsync(tenantId), $"tenant roll-up after {scenario}");
    }

    public static Task<int> HistoryRowsAsync(this PortalApp app, Guid incidentId) =>
        app.QueryAsync(db => db.RemediationTaskChanges.AsNoTracking().CountAsync(c => c.IncidentId == incidentId));

    public static Task<List<Device>> DevicesOfAsync(this PortalApp app, Guid tenantId) =>
        app.QueryAsync(db => db.Devices.AsNoTracking().Where(d => d.TenantId == tenantId).OrderBy(d => d.Hostname).ToListAsync());

    public static Task<List<string>> RemediationTimelineAsync(this PortalApp app, Guid incidentId) =>
        app.QueryAsync(db => db.TimelineEntries.AsNoTracking().Where(t => t.IncidentId == incidentId && t.Kind == TimelineEntryKind.Remediation)
            .OrderBy(t => t.Sequence).Select(t => t.Visibility + ":" + t.Text).ToListAsync());
}
