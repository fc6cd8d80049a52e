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
