using System.Security.Claims;
using Portal.Domain;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// RMM integrations sign in with Entra client-credentials (app-only) tokens: <c>idtyp=app</c>, the app role
/// <see cref="RemediationRole"/> in <c>roles</c>, no <c>scp</c>; their tid + oid (the service principal's object id)
/// map to a Portal user whose membership in its MSP is <see cref="Role.MspIntegration"/>. A person's token is
/// delegated. Each kind of user is accepted only with its kind of token, so a leaked app credential is never a
/// person, and a person's account cannot be driven by a daemon.
/// </summary>
public static class MachineClients
{
    /// <summary>The app role exposed on Portal's API app registration and assigned to each RMM tool's service principal.</summary>
    public const string RemediationRole = "Remediation.ReadWrite";

    /// <summary>Identity.Web maps <c>roles</c> to this claim type (and keeps <c>idtyp</c> as it is).</summary>
    private const string MappedRoleClaim = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";

    public static bool IsAppOnly(ClaimsPrincipal principal) =>
        string.Equals(principal.FindFirst("idtyp")?.Value, "app", StringComparison.OrdinalIgnoreCase);

    public static bool HasRemediationRole(ClaimsPrincipal principal) =>
        principal.Claims.Any(c => (c.Type is "roles" or MappedRoleClaim || c.Type == ClaimTypes.Role) && c.Value == RemediationRole);

    /// <summary>Whether this token may act as this Portal user.</summary>
    public static bool Accepts(ClaimsPrincipal principal, UserAccess user) =>
        user.IsIntegration
            ? IsAppOnly(principal) && HasRemediationRole(principal)
            : !IsAppOnly(principal);
}
