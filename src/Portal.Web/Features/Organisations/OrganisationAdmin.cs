using Portal.Domain;

namespace Portal.Features.Organisations;

/// <summary>One organisation as the platform operator administers it.</summary>
public sealed record OrganisationAdminView(Guid Id, string Name, OrganisationKind Kind, Guid? EntraTenantId, string? IncidentPrefix, bool IsActive, DateTimeOffset? DeactivatedAt)
{
    public static OrganisationAdminView From(Organisation o) => new(o.Id, o.Name, o.Kind, o.EntraTenantId, o.IncidentPrefix, o.IsActive, o.DeactivatedAt);
}
