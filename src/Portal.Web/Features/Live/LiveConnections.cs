using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Live;

/// <summary>
/// The connections of this instance, with who they are and which groups the server put them in, so that
/// group membership follows memberships and contracts while a connection stays open: a periodic pass
/// (<see cref="RevalidateAsync"/>) removes groups the user may no longer read and adds new ones.
/// </summary>
public sealed class LiveConnections(IHubContext<StatusHub, IStatusClient> hub, UserAccessCache users, ILogger<LiveConnections> logger)
{
    private sealed class Connection(Guid tid, Guid oid)
    {
        public Guid Tid { get; } = tid;
        public Guid Oid { get; } = oid;
        public HashSet<string> Groups { get; } = [];
        public Dictionary<Guid, Guid> WatchedIncidents { get; } = []; // incident → its tenant
    }

    private readonly ConcurrentDictionary<string, Connection> _connections = new();

    public int Count => _connections.Count;

    public void Connected(string connectionId, Guid tid, Guid oid, IEnumerable<string> groups)
    {
        var connection = new Connection(tid, oid);
        connection.Groups.UnionWith(groups);
        _connections[connectionId] = connection;
    }

    public void Disconnected(string connectionId) => _connections.TryRemove(connectionId, out _);

    public void Watching(string connectionId, Guid incidentId, Guid tenantId, string group)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return;
        lock (connection)
        {
            connection.WatchedIncidents[incidentId] = tenantId;
            connection.Groups.Add(group);
        }
    }

    public void Unwatched(string connectionId, Guid incidentId)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return;
        lock (connection)
        {
            connection.WatchedIncidents.Remove(incidentId);
            connection.Groups.Remove(LiveGroups.IncidentFull(incidentId));
            connection.Groups.Remove(LiveGroups.IncidentCustomer(incidentId));
        }
    }

    public IReadOnlyList<string> GroupsOf(string connectionId)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return [];
        lock (connection) return [.. connection.Groups.Order()];
    }

    /// <summary>Re-decides every connection's groups from the user's current access; returns how many groups were removed.</summary>
    public async Task<int> RevalidateAsync(CancellationToken ct)
    {
        var removed = 0;
        foreach (var (connectionId, connection) in _connections)
        {
            var access = await users.GetAsync(connection.Tid, connection.Oid, ct);
            var desired = access is null ? new HashSet<string>() : new HashSet<string>(LiveGroups.For(access));
            string[] toRemove, toAdd;
            lock (connection)
            {
                foreach (var (incidentId, tenantId) in connection.WatchedIncidents)
                {
                    var tenantAccess = access?.AccessTo(tenantId) ?? TenantAccess.None;
                    if (tenantAccess != TenantAccess.None && access!.Has(Permission.ReadIncidents, tenantId)) desired.Add(LiveGroups.Incident(incidentId, tenantAccess));
                }
                toRemove = [.. connection.Groups.Except(desired)];
                toAdd = [.. desired.Except(connection.Groups)];
                connection.Groups.ExceptWith(toRemove);
                connection.Groups.UnionWith(toAdd);
            }
            foreach (var group in toRemove) await hub.Groups.RemoveFromGroupAsync(connectionId, group, ct);
            foreach (var group in toAdd) await hub.Groups.AddToGroupAsync(connectionId, group, ct);
            if (toRemove.Length > 0) LogRevoked(logger, connectionId, toRemove.Length);
            removed += toRemove.Length;
        }
        return removed;
    }

    private static void LogRevoked(ILogger logger, string connectionId, int count) =>
        logger.LogInformation("Live connection {ConnectionId}: {Count} group(s) revoked after an access change", connectionId, count);
}
