using Microsoft.AspNetCore.OutputCaching;
using Portal.Pipeline.Commit;

namespace Portal.Features.CustomerStatus;

/// <summary>
/// Access taken away (<see cref="AccessChange"/>): the status pages rendered for the people concerned, and every page of a
/// tenant the change names (a contract ended, the tenant deactivated), are dropped at once, on every instance — a page cached
/// for a removed viewer is never served again, even by a user who still passes authorization through another membership.
/// </summary>
public sealed class EvictStatusPagesOnRevocation(IOutputCacheStore pages) : IAccessRevoker
{
    public async ValueTask RevokeAsync(AccessChange change, IReadOnlyCollection<Guid> affectedUserIds, CancellationToken cancellationToken)
    {
        foreach (var userId in affectedUserIds) await pages.EvictByTagAsync(StatusPageCachePolicy.UserTag(userId), cancellationToken);
        foreach (var organisationId in change.OrganisationIds) await pages.EvictByTagAsync(StatusPageCachePolicy.Tag(organisationId), cancellationToken);
    }
}
