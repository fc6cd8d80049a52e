using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Notifications;

public sealed record EndpointDto(Guid Id, Guid MspId, Guid? TenantId, string Channel, string Name, string Url, DateTimeOffset CreatedAt, string CreatedBy);

public sealed record CreatedEndpointDto(EndpointDto Endpoint, string? Secret);

public sealed record SubscriptionDto(Guid Id, Guid TenantId, Guid UserId, string Name, string Email, string[] Severities, bool StatusChanges, bool CustomerUpdates);

public sealed record DeliveryDto(Guid Id, Guid MessageId, Guid TenantId, Guid? IncidentId, string Event, string Channel, string Target, int Attempt,
    DateTimeOffset At, string Outcome, int? StatusCode, string? Error, long DurationMs);

public sealed record DeliveryPageDto(DeliveryDto[] Items, string? Next);

public static class NotificationWire
{
    public const string Harbor = "Harbor IT Partners";
    public const string Bluepeak = "Bluepeak Managed Services";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<CreatedEndpointDto> CreateEndpointAsync(this HttpClient lead, Guid mspId, string channel, string name, string url, Guid? tenantId = null)
    {
        using var response = await lead.PostJsonAsync($"/api/v1/msps/{mspId}/notification-endpoints", new { tenantId, channel, name, url });
        return await response.ReadAsync<CreatedEndpointDto>(HttpStatusCode.Created);
    }

    public static async Task<IncidentDto> ChangeStatusAsync(this HttpClient engineer, IncidentDto incident, string status, string? message = null)
    {
        using var response = await engineer.PostJsonAsync($"/api/v1/incidents/{incident.Id}/status", new { status, customerMessage = message });
        return await response.ReadAsync<IncidentDto>();
    }

    public static async Task AddNoteAsync(this HttpClient author, Guid incidentId, string text, string visibility)
    {
        using var response = await author.PostJsonAsync($"/api/v1/incidents/{incidentId}/notes", new { text, visibility });
        await response.ReadAsync<JsonElement>(HttpStatusCode.Created);
    }

    /// <summary>The attempts logged for the outbox messages of one incident (system read: the oracle).</summary>
    public static Task<List<DeliveryAttempt>> AttemptsAsync(this PortalApp app, Guid incidentId) =>
        app.QueryAsync(db => db.DeliveryAttempts.AsNoTracking().Where(a => a.IncidentId == incidentId).OrderBy(a => a.Id).ToListAsync(Ct));

    public static Task<List<OutboxMessage>> OutboxAsync(this PortalApp app, Guid incidentId) =>
        app.QueryAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.IncidentId == incidentId).OrderBy(m => m.Id).ToListAsync(Ct));

    public static async Task<List<DeliveryAttempt>> WaitForAttemptsAsync(this PortalApp app, Guid incidentId, Func<List<DeliveryAttempt>, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var attempts = await app.AttemptsAsync(incidentId);
            if (done(attempts)) return attempts;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: not within {timeout}; attempts: {string.Join(" | ", attempts.Select(a => $"{a.Channel} {a.Target} #{a.Attempt} {a.Outcome} {a.StatusCode} {a.Error}"))}");
            await Task.Delay(100, Ct);
        }
    }
}
