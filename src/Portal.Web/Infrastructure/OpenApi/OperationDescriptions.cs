using System.Reflection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// Every operation's description says what it does (its summary, or the longer description the route wrote) and who may call it:
/// the permission its Mediator message requires (<see cref="RequiresAttribute"/>) and the roles that hold it (<see cref="RoleRules"/>).
/// </summary>
public sealed class OperationDescriptions : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var what = operation.Description ?? operation.Summary ?? "";
        operation.Description = $"{what}\n\n**Who may call:** {WhoMayCall(context)}".TrimStart();
        return Task.CompletedTask;
    }

    private static string WhoMayCall(OpenApiOperationTransformerContext context)
    {
        if (SecuritySchemes.IsAnonymous(context)) return "anyone; no token needed.";
        var message = OpenApiMessages.MessageOf(context.Description);
        if (message?.GetCustomAttribute<RequiresAttribute>() is { } requires)
        {
            var roles = Enum.GetValues<Role>().Where(r => RoleRules.Grants(r, requires.Permission)).ToList();
            var who = $"permission `{requires.Permission}`, held by the roles {string.Join(", ", roles.Select(r => $"`{r}`"))}";
            if (roles.Contains(Role.MspIntegration))
                who += $" (`{Role.MspIntegration}`: an RMM integration's app-only token with the app role `{MachineClients.RemediationRole}`)";
            var where = RoleRules.IsProviderScoped(requires.Permission)
                ? "in the provider that owns the advisory (or the service)"
                : "in the organisation the record belongs to, or an MSP managing its tenant under an active contract";
            return $"{who}, {where}.";
        }
        return "any signed-in Portal user; the answer covers only what the caller may see.";
    }
}
