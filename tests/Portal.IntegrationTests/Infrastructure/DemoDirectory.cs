using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Infrastructure;

public sealed record OrgRow(Guid Id, string Name, OrganisationKind Kind, Guid? EntraTenantId, string? Prefix);

public sealed record UserRow(Guid Id, string Name, string Email, Guid Tid, Guid Oid, IReadOnlyList<(Guid OrganisationId, Role Role)> Memberships);

/// <summary>
/// The seeded organisations and users, read from the database, plus an independent oracle of what each user may
/// see (own customer memberships + tenants of MSPs they belong to under an active contract), written from the
/// design's isolation contract rather than from the product's UserAccessCache.
/// </summary>
public sealed class DemoDirectory
{
    public const string Maya = "maya@harborit.example";          // Harbor MspEngineer (NWA, FAB, TSL)
    public const string Sam = "sam@harborit.example";            // Harbor MspEngineer
    public const string Liam = "liam@harborit.example";          // Harbor MspLead
    public const string Ines = "ines@bluepeak.example";          // Bluepeak MspEngineer (WGB, ASH)
    public const string Jonas = "jonas@bluepeak.example";        // Bluepeak MspLead
    public const string Priya = "priya@sentinelshield.example";  // ProviderPublisher
    public const string Olivia = "olivia@northwindairways.example"; // NWA CustomerAdmin
    public const string Noah = "noah@northwindairways.example";  // NWA CustomerViewer
    public const string Hana = "hana@woodgrovebank.example";     // WGB CustomerAdmin
    public const string Ada = "ada@portal.example";              // PlatformAdmin

    public const string Northwind = "Northwind Airways";
    public const string Woodgrove = "Woodgrove Bank";

    private DemoDirectory(IReadOnlyList<OrgRow> organisations, IReadOnlyList<UserRow> users, IReadOnlyList<(Guid Msp, Guid Customer, bool Active)> contracts)
    {
        Organisations = organisations;
        Users = users;
        Contracts = contracts;
    }

    public IReadOnlyList<OrgRow> Organisations { get; }
    public IReadOnlyList<UserRow> Users { get; }
    public IReadOnlyList<(Guid Msp, Guid Customer, bool Active)> Contracts { get; }

    public OrgRow Org(string name) => Organisations.Single(o => o.Name == name);
    public Guid TenantId(string name) => Org(name).Id;
    public UserRow User(string email) => Users.Single(u => u.Email == email);

    /// <summary>Customer tenants whose whole record (internal notes included) the user may see: managed by one of their MSPs.</summary>
    public IReadOnlySet<Guid> MspTenantsOf(string email)
    {
        var user = User(email);
        var msps = user.Memberships.Where(m => Org(m.OrganisationId).Kind == OrganisationKind.Msp).Select(m => m.OrganisationId).ToHashSet();
        return Contracts.Where(c => c.Active && msps.Contains(c.Msp)).Select(c => c.Customer).ToHashSet();
    }

    /// <summary>Every customer tenant the user may read anything of.</summary>
    public IReadOnlySet<Guid> VisibleTenantsOf(string email)
    {
        var own = User(email).Memberships.Where(m => Org(m.OrganisationId).Kind == OrganisationKind.Customer).Select(m => m.OrganisationId);
        return MspTenantsOf(email).Concat(own).ToHashSet();
    }

    public bool CanReadIncidents(string email) => User(email).Memberships.Any(m => RoleRules.Grants(m.Role, Permission.ReadIncidents));

    private OrgRow Org(Guid id) => Organisations.Single(o => o.Id == id);

    public static Task<DemoDirectory> LoadAsync(PortalApp app) => app.QueryAsync(async db =>
    {
        var now = DateTimeOffset.UtcNow;
        var organisations = await db.Organisations.AsNoTracking()
            .Select(o => new OrgRow(o.Id, o.Name, o.Kind, o.EntraTenantId, o.IncidentPrefix)).ToListAsync();
        var users = await db.Users.AsNoTracking().Include(u => u.Memberships).ToListAsync();
        var contracts = await db.Contracts.AsNoTracking().ToListAsync();
        return new DemoDirectory(
            organisations,
            [.. users.Select(u => new UserRow(u.Id, u.DisplayName, u.Email, u.EntraTenantId, u.EntraObjectId,
                [.. u.Memberships.Select(m => (m.OrganisationId, m.Role))]))],
            [.. contracts.Select(c => (c.MspId, c.CustomerId, c.IsActiveAt(now)))]);
    });
}
