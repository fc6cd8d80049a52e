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

    /// <summary>Whether a token with these claims (<see cref="TokenClaims.Read"/>) may act as this Portal user.</summary>
    public static bool Accepts(TokenClaims claims, UserAccess user) =>
        user.IsIntegration
            ? claims.IsAppOnly && claims.HasRemediationRole
            : !claims.IsAppOnly;
}
