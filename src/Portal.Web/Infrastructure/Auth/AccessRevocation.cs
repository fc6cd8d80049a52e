using Portal.Infrastructure.Telemetry;
using Portal.Pipeline.Commit;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Takes away on this instance what an <see cref="AccessChange"/> took away: first the user-access cache entries of the
/// people concerned (so every later read is the committed access), then each feature's <see cref="IAccessRevoker"/>
/// (status pages, open hub connections), then records <c>portal.revocation.lag</c>.
/// </summary>
public sealed partial class AccessRevocation(UserAccessCache users, IEnumerable<IAccessRevoker> revokers, PortalMetrics metrics, TimeProvider clock, ILogger<AccessRevocation> logger)
{
    private readonly IAccessRevoker[] _revokers = [.. revokers];

    public async Task ApplyAsync(AccessChange change, bool local)
    {
        var affected = users.Revoke(change);
        foreach (var revoker in _revokers)
        {
            try
            {
                await revoker.RevokeAsync(change, affected, CancellationToken.None);
            }
            catch (Exception e)
            {
                LogRevokerFailed(logger, e, revoker.GetType().Name);
            }
        }
        if (change.CommittedAt != default) metrics.RevocationApplied((clock.GetUtcNow() - change.CommittedAt).TotalMilliseconds, local);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Revoker} failed to take access away after a change; the periodic re-decision catches it later")]
    private static partial void LogRevokerFailed(ILogger logger, Exception exception, string revoker);
}
