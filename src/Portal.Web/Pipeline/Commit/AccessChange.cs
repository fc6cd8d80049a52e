namespace Portal.Pipeline.Commit;

/// <summary>
/// A committed change that may take access away (or grant it): a membership added, removed or given another role, a contract
/// added or changed, an organisation deactivated (or reactivated) or moved to another Entra tenant, a user removed. It names
/// who is concerned — the users themselves, the organisations (their members; for a customer tenant also the MSP people who
/// manage it) and the Entra tenants (everyone signing in from them) — so that caches and sockets re-decide for exactly those
/// people at once (<see cref="IAccessRevoker"/>), on every instance.
/// </summary>
public sealed record AccessChange(IReadOnlyCollection<Guid> UserIds, IReadOnlyCollection<Guid> OrganisationIds, IReadOnlyCollection<Guid> EntraTenantIds)
{
    /// <summary>When the change committed (this instance's clock), for <c>portal.revocation.lag</c>.</summary>
    public DateTimeOffset CommittedAt { get; init; }
}

/// <summary>
/// A feature's part of taking access away after an <see cref="AccessChange"/> commits: drop what it cached for the people
/// concerned, re-decide what their open connections receive. Runs on every instance (the change is carried to the others),
/// after the user-access cache dropped their entries (so what it reads now is the committed access) and before any live
/// client is told of this or a later change. <paramref name="affectedUserIds"/> are the users the change names plus those
/// this instance knew to be concerned through an organisation or Entra tenant it names.
/// </summary>
public interface IAccessRevoker
{
    ValueTask RevokeAsync(AccessChange change, IReadOnlyCollection<Guid> affectedUserIds, CancellationToken cancellationToken);
}
