using System.Security.Claims;
using Microsoft.Identity.Web;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// What Portal reads from a signed-in principal, in one pass over its claims: the Entra tenant and object ids (the short
/// claim first, then its long mapped form, as Identity.Web's <c>GetTenantId</c>/<c>GetObjectId</c> do), whether the token is
/// app-only, and whether it carries the remediation app role. Read on every request: FindFirst per claim cost a delegate,
/// a closure and an enumerator each, about a twelfth of the bytes a cached status read allocated.
/// </summary>
public readonly record struct TokenClaims(string? TenantId, string? ObjectId, bool IsAppOnly, bool HasRemediationRole)
{
    public static TokenClaims Read(ClaimsPrincipal principal)
    {
        string? tid = null, tenantId = null, oid = null, objectId = null, idtyp = null;
        var remediationRole = false;
        foreach (var identity in principal.Identities)
        {
            foreach (var claim in identity.Claims)
            {
                switch (claim.Type)
                {
                    case ClaimConstants.Tid: tid ??= claim.Value; break;
                    case ClaimConstants.TenantId: tenantId ??= claim.Value; break;
                    case ClaimConstants.Oid: oid ??= claim.Value; break;
                    case ClaimConstants.ObjectId: objectId ??= claim.Value; break;
                    case "idtyp": idtyp ??= claim.Value; break;
                    // Identity.Web maps "roles" to ClaimTypes.Role (and keeps "idtyp" as it is).
                    case "roles" or ClaimTypes.Role: remediationRole |= claim.Value == MachineClients.RemediationRole; break;
                }
            }
        }
        return new TokenClaims(
            string.IsNullOrEmpty(tid) ? tenantId : tid,
            string.IsNullOrEmpty(oid) ? objectId : oid,
            string.Equals(idtyp, "app", StringComparison.OrdinalIgnoreCase),
            remediationRole);
    }

    public bool TryReadIds(out Guid tid, out Guid oid)
    {
        oid = Guid.Empty;
        return Guid.TryParse(TenantId, out tid) && Guid.TryParse(ObjectId, out oid);
    }
}
