namespace Portal.Data;

/// <summary>
/// Who a unit of work's access changes concern: the users whose memberships changed (or who were removed), the organisations
/// whose memberships, contracts or state changed (their members, and the MSPs' people who manage a tenant, are affected), and
/// the Entra tenants an organisation left or joined (everyone signing in from them).
/// </summary>
public sealed record SavedAccessChange(IReadOnlyCollection<Guid> UserIds, IReadOnlyCollection<Guid> OrganisationIds, IReadOnlyCollection<Guid> EntraTenantIds)
{
    internal sealed class Builder
    {
        private readonly HashSet<Guid> _users = [];
        private readonly HashSet<Guid> _organisations = [];
        private readonly HashSet<Guid> _entraTenants = [];

        public Builder User(Guid id) { _users.Add(id); return this; }
        public Builder Organisation(Guid id) { _organisations.Add(id); return this; }
        public Builder EntraTenant(Guid? id) { if (id is { } tid) _entraTenants.Add(tid); return this; }

        /// <summary>What was gathered since the last call (null if nothing), and a fresh start.</summary>
        public SavedAccessChange? Take()
        {
            if (_users.Count == 0 && _organisations.Count == 0 && _entraTenants.Count == 0) return null;
            var change = new SavedAccessChange([.. _users], [.. _organisations], [.. _entraTenants]);
            _users.Clear();
            _organisations.Clear();
            _entraTenants.Clear();
            return change;
        }
    }
}
