using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Telemetry;
using Portal.Pipeline.Commit;

namespace Portal.Features.Live;

/// <summary>
/// The connections of this instance, with who they are and which groups the server put them in, so that
/// group membership follows memberships and contracts while a connection stays open: a periodic pass
/// (<see cref="RevalidateAsync"/>) removes groups the user may no longer read and adds new ones, and an access change
/// re-decides the connections of the people it concerns at once (<see cref="RevokeAsync"/>): they leave the groups they may no
/// longer read before anything else is sent, and a connection whose user has no access left is closed.
/// </summary>
public sealed partial class LiveConnections(
    IHubContext<StatusHub, IStatusClient> hub, UserAccessCache users, PortalMetrics metrics, TimeProvider clock, ILogger<LiveConnections> logger) : IAccessRevoker
{
    private sealed class Connection(Guid tid, Guid oid, UserAccess access, HubCallerContext? context)
    {
        public Guid Tid { get; } = tid;
        public Guid Oid { get; } = oid;
        public HubCallerContext? Context { get; } = context;
        public HashSet<string> Groups { get; } = [];
        public Dictionary<Guid, Guid> WatchedIncidents { get; } = []; // incident → its tenant

        /// <summary>The access the groups were last decided from: a revocation finds the connections it concerns by it.</summary>
        public UserAccess Access { get; set; } = access;

        /// <summary>One re-decision at a time (periodic pass, revocation), each reading the access after the one before.</summary>
        public SemaphoreSlim Deciding { get; } = new(1, 1);
    }

    private readonly ConcurrentDictionary<string, Connection> _connections = new();

    public int Count => _connections.Count;

    public void Connected(string connectionId, Guid tid, Guid oid, UserAccess access, IEnumerable<string> groups, HubCallerContext? context = null)
    {
        var connection = new Connection(tid, oid, access, context);
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

    /// <summary>
    /// Re-decides every connection's groups from the user's current access; returns how many groups were removed. First the
    /// access of every connected user not read within <see cref="UserAccessCache.RefreshAfter"/> is read again in batches
    /// (<see cref="UserAccessCache.RefreshAsync"/>: four queries per <see cref="UserAccessCache.ReadBatchSize"/> users), then each
    /// connection is decided from the cache. The pass still grows with the distinct users connected: its duration is measured
    /// (<c>portal.live.revalidation.duration</c>) and a pass over half its period says so in the log.
    /// </summary>
    public async Task<int> RevalidateAsync(CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        await users.RefreshAsync(_connections.Values.Select(c => (c.Tid, c.Oid)), ct);
        var removed = 0;
        var connections = 0;
        foreach (var (connectionId, connection) in _connections)
        {
            removed += await RedecideAsync(connectionId, connection, ct);
            connections++;
        }
        var took = clock.GetElapsedTime(started);
        metrics.LiveConnectionsRevalidated(took);
        if (took > RevalidateLiveConnections.Period / 2) LogSlowPass(logger, connections, took.TotalSeconds, RevalidateLiveConnections.Period.TotalSeconds);
        return removed;
    }

    /// <summary>
    /// The connections of the people <paramref name="change"/> concerns (by user, by an organisation their access went through,
    /// by Entra tenant), re-decided now from the committed access; the user-access cache has dropped their entries already.
    /// </summary>
    public async ValueTask RevokeAsync(AccessChange change, IReadOnlyCollection<Guid> affectedUserIds, CancellationToken cancellationToken)
    {
        var organisations = change.OrganisationIds.ToHashSet();
        foreach (var (connectionId, connection) in _connections)
        {
            var access = connection.Access;
            var concerned = affectedUserIds.Contains(access.UserId) || change.EntraTenantIds.Contains(connection.Tid)
                            || access.Memberships.Any(m => organisations.Contains(m.OrganisationId)) || access.Tenants.Keys.Any(organisations.Contains);
            if (concerned) await RedecideAsync(connectionId, connection, cancellationToken);
        }
    }

    /// <summary>
    /// Right after a connection registered its groups: if the user's access was revoked since <paramref name="decidedFrom"/> was
    /// resolved (the cache then holds another instance), the revocation may have missed this connection, so it is re-decided now.
    /// A revocation after this point finds the connection registered.
    /// </summary>
    public async Task RecheckAsync(string connectionId, UserAccess decidedFrom, CancellationToken ct)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return;
        if (ReferenceEquals(await users.GetAsync(connection.Tid, connection.Oid, ct), decidedFrom)) return;
        await RedecideAsync(connectionId, connection, ct);
    }

    private async Task<int> RedecideAsync(string connectionId, Connection connection, CancellationToken ct)
    {
        await connection.Deciding.WaitAsync(ct);
        try
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
                if (access is not null) connection.Access = access;
            }
            foreach (var group in toRemove) await hub.Groups.RemoveFromGroupAsync(connectionId, group, ct);
            foreach (var group in toAdd) await hub.Groups.AddToGroupAsync(connectionId, group, ct);
            if (toRemove.Length > 0) LogRevoked(logger, connectionId, toRemove.Length);
            if (access is null && connection.Context is { } context)
            {
                // No access left at all: out of every group above, and the socket is closed (a reconnect is refused at connect).
                context.Abort();
                LogClosed(logger, connectionId);
            }
            return toRemove.Length;
        }
        finally
        {
            connection.Deciding.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-deciding {Connections} live connections took {Seconds:F1} s, more than half the {Period} s between passes: the users connected are many for one instance")]
    private static partial void LogSlowPass(ILogger logger, int connections, double seconds, double period);

    private static void LogClosed(ILogger logger, string connectionId) =>
        logger.LogInformation("Live connection {ConnectionId} closed: its user has no access left", connectionId);

    private static void LogRevoked(ILogger logger, string connectionId, int count) =>
        logger.LogInformation("Live connection {ConnectionId}: {Count} group(s) revoked after an access change", connectionId, count);
}
