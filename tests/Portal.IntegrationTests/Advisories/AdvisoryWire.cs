using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Advisories;

/// <summary>An advisory as a client reads it (the wire contract, independent of the product's records).</summary>
public sealed record AdvisoryDto(Guid Id, Guid ProviderId, string ProviderName, string Title, string Severity, string Status, string Impact, string? Runbook,
    string RunbookHtml, IReadOnlyList<AdvisoryServiceDto> Services, IReadOnlyList<string> Regions, DateTimeOffset PublishedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? ResolvedAt, int Revision, IReadOnlyList<AdvisoryUpdateDto> Updates, long Version);

public sealed record AdvisoryServiceDto(Guid Id, string Name);

public sealed record AdvisoryUpdateDto(int Number, string Status, string Text, string TextHtml, string AuthorName, DateTimeOffset At);

public sealed record AdvisorySummaryDto(Guid Id, Guid ProviderId, string ProviderName, string Title, string Severity, string Status,
    DateTimeOffset PublishedAt, DateTimeOffset UpdatedAt, int UpdateCount);

public sealed record ProviderServiceDto(Guid Id, string ProviderName, string Name, string Kind, int SubscribedTenants, IReadOnlyList<string> Regions);

/// <summary>The advisory API from a client's side.</summary>
public static class AdvisoryApi
{
    public const string SensorService = "ShieldSensor Endpoint Agent";
    public const string ComputeService = "Nimbus Compute";

    public static async Task<ProviderServiceDto> ServiceAsync(this HttpClient provider, string name)
    {
        using var response = await provider.GetAsync("/api/v1/provider/services");
        return (await response.ReadAsync<List<ProviderServiceDto>>()).Single(s => s.Name == name);
    }

    public static Task<HttpResponseMessage> PostAdvisoryAsync(this HttpClient provider, Guid providerId, object body) =>
        provider.PostAsJsonAsync($"/api/v1/providers/{providerId}/advisories", body);

    public static async Task<AdvisoryDto> PublishAsync(this HttpClient provider, Guid providerId, string title, IReadOnlyList<Guid> serviceIds,
        IReadOnlyList<string>? regions = null, string severity = "Sev1", string? runbook = "1. Boot to safe mode\n2. Delete `C-00000291*.sys`\n3. Reboot")
    {
        using var response = await provider.PostAdvisoryAsync(providerId, new { title, severity, impact = $"{title}: machines may fail to start.", runbook, serviceIds, regions });
        return await response.ReadAsync<AdvisoryDto>(HttpStatusCode.Created);
    }

    public static async Task<AdvisoryDto> PostUpdateAsync(this HttpClient provider, Guid advisoryId, string status, string text)
    {
        using var response = await provider.PostAsJsonAsync($"/api/v1/advisories/{advisoryId}/updates", new { status, text });
        return await response.ReadAsync<AdvisoryDto>(HttpStatusCode.Created);
    }

    /// <summary>The tenants the advisory targets, read from the database with system access (the oracle).</summary>
    public static Task<HashSet<Guid>> TargetsAsync(this PortalApp app, Guid advisoryId) =>
        app.QueryAsync(async db => (await db.AdvisoryTargets.Where(t => t.AdvisoryId == advisoryId).Select(t => t.TenantId).ToListAsync()).ToHashSet());

    /// <summary>Customer tenants with a subscription to the service (in one of the regions, or without a region), read directly.</summary>
    public static Task<HashSet<Guid>> SubscribersAsync(this PortalApp app, Guid serviceId, IReadOnlyList<string>? regions = null) =>
        app.QueryAsync(async db =>
        {
            var subscriptions = db.Subscriptions.Where(s => s.ServiceId == serviceId);
            if (regions is { Count: > 0 }) subscriptions = subscriptions.Where(s => s.Region == null || regions.Contains(s.Region));
            return (await subscriptions.Select(s => s.CustomerId).Distinct().ToListAsync()).ToHashSet();
        });
}

/// <summary>One targeted tenant in the MSP's inbox, as a client reads it.</summary>
public sealed record InboxItemDto(Guid AdvisoryId, string AdvisoryTitle, Guid ProviderId, string ProviderName, string Severity, string Status, DateTimeOffset PublishedAt,
    Guid TenantId, string TenantName, string Source, DateTimeOffset TargetedAt, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy,
    Guid? IncidentId, string? IncidentReference, string? IncidentStatus);

public sealed record FanOutTenantDto(Guid TenantId, string TenantName, string Outcome, Guid? IncidentId, string? IncidentReference, int Tasks, string? Follows = null);

public sealed record FanOutDto(Guid AdvisoryId, bool Preview, string DeviceFilter, int IncidentsOpened, int TasksCreated, int AlreadyLinked, IReadOnlyList<FanOutTenantDto> Tenants,
    bool StillCreatingTasks = false, int IncidentsReopened = 0);

/// <summary>The MSP side of the advisory API from a client's side.</summary>
public static class AdvisoryMspApi
{
    public static async Task<List<InboxItemDto>> InboxAsync(this HttpClient msp, string query = "")
    {
        using var response = await msp.GetAsync($"/api/v1/advisories/inbox{(query.Length > 0 ? "?" + query : "")}");
        return await response.ReadAsync<List<InboxItemDto>>();
    }

    public static Task<HttpResponseMessage> PostAcknowledgeAsync(this HttpClient msp, Guid advisoryId, Guid tenantId) =>
        msp.PostJsonAsync($"/api/v1/advisories/{advisoryId}/tenants/{tenantId}/acknowledge", null);

    public static Task<HttpResponseMessage> PostFanOutAsync(this HttpClient msp, Guid advisoryId, object? body, bool preview = false) =>
        msp.PostJsonAsync($"/api/v1/advisories/{advisoryId}/fan-out{(preview ? "/preview" : "")}", body);

    public static async Task<FanOutDto> FanOutAsync(this HttpClient msp, Guid advisoryId, object? body = null, bool preview = false)
    {
        using var response = await msp.PostFanOutAsync(advisoryId, body ?? new { }, preview);
        return await response.ReadAsync<FanOutDto>();
    }

    /// <summary>Devices of a tenant matching the documented filter (os contains, tag is one of, site equals; case ignored), counted directly.</summary>
    public static Task<int> MatchingDevicesAsync(this PortalApp app, Guid tenantId, string? os = null, string? tag = null, string? site = null) =>
        app.QueryAsync(async db =>
        {
            var devices = await db.Devices.AsNoTracking().Where(d => d.TenantId == tenantId).ToListAsync();
            return devices.Count(d => (os is null || (d.OperatingSystem ?? "").Contains(os, StringComparison.OrdinalIgnoreCase))
                && (tag is null || d.TagList.Contains(tag.ToLowerInvariant()))
                && (site is null || string.Equals(d.Site, site, StringComparison.OrdinalIgnoreCase)));
        });

    /// <summary>What the database holds for one advisory in one tenant: its linked incidents, their tasks, counters and samples.</summary>
    public static Task<LinkedState> LinkedStateAsync(this PortalApp app, Guid advisoryId, Guid tenantId) =>
        app.QueryAsync(async db =>
        {
            var incidents = await db.Incidents.AsNoTracking().Where(i => i.AdvisoryId == advisoryId && i.TenantId == tenantId).ToListAsync();
            var ids = incidents.Select(i => i.Id).ToList();
            var tasks = await db.RemediationTasks.AsNoTracking().Where(t => ids.Contains(t.IncidentId)).ToListAsync();
            var progress = await db.RemediationProgress.AsNoTracking().Where(p => ids.Contains(p.IncidentId)).ToListAsync();
            var samples = await db.RemediationProgressSamples.AsNoTracking().CountAsync(s => ids.Contains(s.IncidentId));
            var target = await db.AdvisoryTargets.AsNoTracking().SingleOrDefaultAsync(t => t.AdvisoryId == advisoryId && t.TenantId == tenantId);
            return new LinkedState(incidents, tasks, progress, samples, target);
        });
}

public sealed record LinkedState(List<Portal.Domain.Incident> Incidents, List<Portal.Domain.RemediationTask> Tasks, List<Portal.Domain.RemediationProgress> Progress,
    int Samples, Portal.Domain.AdvisoryTarget? Target);
