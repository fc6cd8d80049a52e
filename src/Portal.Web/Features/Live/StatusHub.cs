using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Features.Incidents;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Live;

/// <summary>
/// The one hub (/hubs/status). The server decides every group from the user's memberships at connect
/// (and <see cref="LiveConnections"/> keeps deciding while the connection lives); no method takes a group
/// or tenant name from the client. <see cref="PortalUserHubFilter"/> resolves the user for each call.
/// </summary>
[Authorize]
public sealed class StatusHub(CurrentUser currentUser, IMediator mediator, PortalDbContext db, LiveConnections connections) : Hub<IStatusClient>
{
    public override async Task OnConnectedAsync()
    {
        var access = currentUser.Required;
        var groups = LiveGroups.For(access);
        PortalUserMiddleware.TryReadIds(Context.User!, out var tid, out var oid);
        connections.Connected(Context.ConnectionId, tid, oid, access, groups, Context);
        foreach (var group in groups) await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
        // A revocation that ran between resolving the user and registering this connection did not see it: decide again.
        await connections.RecheckAsync(Context.ConnectionId, access, Context.ConnectionAborted);
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Disconnected(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>Follow one incident: checked exactly like GET /api/v1/incidents/{id} (foreign or missing: refused, nothing joined).</summary>
    public async Task<WatchResult> WatchIncident(Guid incidentId)
    {
        IncidentView incident;
        try
        {
            incident = await mediator.Send(new GetIncident(incidentId), Context.ConnectionAborted);
        }
        catch (Exception e) when (e is NotFoundException or NotPermittedException)
        {
            throw new HubException($"There is no incident {incidentId}, or you cannot see it.");
        }

        var access = currentUser.Required.AccessTo(incident.TenantId);
        var lengths = await db.Incidents.AsNoTracking().Where(i => i.Id == incidentId)
            .Select(i => new { i.TimelineLength, i.CustomerTimelineLength }).SingleAsync(Context.ConnectionAborted);
        var group = LiveGroups.Incident(incidentId, access);
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
        connections.Watching(Context.ConnectionId, incidentId, incident.TenantId, group);
        return new WatchResult(LiveStreams.Incident(incidentId), access == TenantAccess.Msp ? lengths.TimelineLength : lengths.CustomerTimelineLength);
    }

    public async Task UnwatchIncident(Guid incidentId)
    {
        connections.Unwatched(Context.ConnectionId, incidentId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.IncidentFull(incidentId), Context.ConnectionAborted);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.IncidentCustomer(incidentId), Context.ConnectionAborted);
    }

    /// <summary>The streams this connection receives, as the server decided them (for clients and diagnostics).</summary>
    public IReadOnlyList<string> MyGroups() => connections.GroupsOf(Context.ConnectionId);
}
