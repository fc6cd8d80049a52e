using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Infrastructure.Data;

/// <summary>
/// The first platform administrators of a deployment, from configuration (<c>Portal:Bootstrap:PlatformAdmins</c>): each either
/// an Entra object (<c>EntraTenantId</c> + <c>ObjectId</c>: a user and membership now) or an email from a named Entra tenant
/// (<c>EntraTenantId</c> + <c>Email</c>: an invitation that binds at their first sign-in from that tenant). See docs/operations.md.
/// </summary>
public sealed class BootstrapOptions
{
    public string PlatformName { get; set; } = "Portal Operations";
    public List<BootstrapAdmin> PlatformAdmins { get; set; } = [];
}

public sealed class BootstrapAdmin
{
    public Guid? EntraTenantId { get; set; }
    public Guid? ObjectId { get; set; }
    public string? Email { get; set; }
    public string? DisplayName { get; set; }
}

/// <summary>
/// At start, after the migrations: if the deployment has no platform organisation yet, creates it (bound to the administrators'
/// Entra tenant) with the configured administrators — members now (object id) or pending invitations (email). Idempotent: once a
/// platform organisation exists it does nothing, so a restart never adds a second (start the first instance alone: two
/// instances migrating a new PostgreSQL or SQL Server database at the same moment could both pass the check). Later
/// administrators are invited on the platform's people page.
/// </summary>
public static class PlatformBootstrap
{
    /// <summary>Invitations from configuration live long: the first administrator may sign in weeks after the deployment.</summary>
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(365);

    public static async Task<bool> RunAsync(PortalDbContext db, BootstrapOptions options, DateTimeOffset now, ILogger logger, CancellationToken ct = default)
    {
        if (options.PlatformAdmins.Count == 0)
        {
            // A new deployment nobody can administer: no organisation can be created. Say so at every start until one exists.
            if (!await db.Organisations.AnyAsync(o => o.Kind == OrganisationKind.Platform, ct))
                logger.LogWarning("No platform administrator: this deployment has no platform organisation and Portal:Bootstrap:PlatformAdmins is empty, " +
                                  "so nobody can create organisations or invite anyone. Configure the first administrators (docs/operations.md) and restart.");
            return false;
        }
        var admins = Validate(options.PlatformAdmins);
        var tenants = admins.Select(a => a.EntraTenantId!.Value).Distinct().ToList();
        if (tenants.Count > 1)
            throw new InvalidOperationException("Portal:Bootstrap:PlatformAdmins name more than one Entra tenant; the platform organisation is bound to one. " +
                                                "Configure the administrators of one tenant, then invite others from the platform's people page.");

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await db.Organisations.AnyAsync(o => o.Kind == OrganisationKind.Platform, ct)) return false;

        var platform = new Organisation(Guid.CreateVersion7(now), options.PlatformName, OrganisationKind.Platform, tenants[0]);
        db.Organisations.Add(platform);
        foreach (var admin in admins)
        {
            if (admin.ObjectId is { } oid)
            {
                var email = admin.Email is null ? $"{oid}@{tenants[0]}.entra" : EmailAddress.Normalise(admin.Email);
                var user = new User(Guid.CreateVersion7(now), admin.DisplayName ?? admin.Email ?? "Platform administrator", email, admin.EntraTenantId!.Value, oid);
                user.Join(platform, Role.PlatformAdmin);
                db.Users.Add(user);
                db.AuditEntries.Add(new AuditEntry(platform.Id, now, null, "Portal", "bootstrap_admin", $"Configured platform administrator {user.DisplayName} (Entra object {oid})"));
            }
            else
            {
                var invitation = new Invitation(Guid.CreateVersion7(now), platform, admin.Email!, Role.PlatformAdmin, null, now, InvitationLifetime);
                db.Invitations.Add(invitation);
                db.AuditEntries.Add(new AuditEntry(platform.Id, now, null, "Portal", "person_invited",
                    $"Invited {invitation.Email} as PlatformAdmin from configuration (binds at the first sign-in from Entra tenant {tenants[0]})"));
            }
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("First start: created the platform organisation {Name} with {Count} configured administrator(s)", platform.Name, admins.Count);
        return true;
    }

    private static List<BootstrapAdmin> Validate(List<BootstrapAdmin> admins)
    {
        for (var i = 0; i < admins.Count; i++)
        {
            var a = admins[i];
            var where = $"Portal:Bootstrap:PlatformAdmins:{i}";
            if (a.EntraTenantId is null || a.EntraTenantId == Guid.Empty) throw new InvalidOperationException($"{where}:EntraTenantId is required (the administrator's Entra tenant id).");
            if (a.ObjectId is null && string.IsNullOrWhiteSpace(a.Email)) throw new InvalidOperationException($"{where} needs ObjectId (their Entra object id) or Email (bound at their first sign-in).");
            if (a.ObjectId == Guid.Empty) throw new InvalidOperationException($"{where}:ObjectId cannot be all zeros.");
            if (a.Email is not null && !EmailAddress.TryNormalise(a.Email, out _, out var problem)) throw new InvalidOperationException($"{where}:Email: {problem}");
        }
        return admins;
    }
}
