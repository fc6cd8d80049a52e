using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Portal.Infrastructure.Auth;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// How a client gets in: Entra ID (a person's delegated token with the API scope, or an RMM integration's app-only token
/// with the app role), and in Development also the local bearer from POST /dev/token. Every operation needs one of them
/// (the global requirement) except the anonymous routes, which carry an empty requirement.
/// </summary>
public sealed class SecuritySchemes(IConfiguration configuration, IHostEnvironment environment) : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string EntraId = "entraId";
    public const string DevelopmentBearer = "developmentBearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var azureAd = configuration.GetSection("AzureAd");
        var authority = $"{(azureAd["Instance"] ?? "https://login.microsoftonline.com/").TrimEnd('/')}/{azureAd["TenantId"] ?? "organizations"}/oauth2/v2.0";
        var api = $"api://{(azureAd["ClientId"] is { Length: > 0 } clientId ? clientId : "portal-development")}";
        var schemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [EntraId] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OAuth2,
                Description =
                    "Microsoft Entra ID (multi-tenant). People sign in with the authorization code flow and call with a delegated token " +
                    $"carrying the scope `{DevelopmentTokens.Scope}`; RMM integrations use client credentials and an app-only token carrying " +
                    $"the app role `{MachineClients.RemediationRole}` (idtyp=app). The token's tid + oid must belong to a Portal user, else 403.",
                Flows = new OpenApiOAuthFlows
                {
                    AuthorizationCode = new OpenApiOAuthFlow
                    {
                        AuthorizationUrl = new Uri($"{authority}/authorize"),
                        TokenUrl = new Uri($"{authority}/token"),
                        Scopes = new Dictionary<string, string> { [$"{api}/{DevelopmentTokens.Scope}"] = "Use Portal as the signed-in person." },
                    },
                    ClientCredentials = new OpenApiOAuthFlow
                    {
                        TokenUrl = new Uri($"{authority}/token"),
                        Scopes = new Dictionary<string, string>
                        {
                            [$"{api}/.default"] = $"An RMM integration's app roles; Portal accepts `{MachineClients.RemediationRole}` (remediation tasks and devices).",
                        },
                    },
                },
            },
        };
        if (environment.IsDevelopment())
        {
            schemes[DevelopmentBearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "Development only: a token for a demo user from POST /dev/token ({\"email\": \"…\"}); GET /dev/users lists them.",
            };
        }
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = schemes;

        // Any one of the schemes will do (the requirements are alternatives).
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(EntraId, document)] = [$"{api}/{DevelopmentTokens.Scope}"] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(EntraId, document)] = [$"{api}/.default"] },
            .. environment.IsDevelopment() ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DevelopmentBearer, document)] = [] }] : Array.Empty<OpenApiSecurityRequirement>(),
        ];
        return Task.CompletedTask;
    }

    /// <summary>An anonymous route (the Atom feed, the development sign-in) needs no token: an empty requirement says so.</summary>
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (IsAnonymous(context)) operation.Security = [new OpenApiSecurityRequirement()];
        return Task.CompletedTask;
    }

    public static bool IsAnonymous(OpenApiOperationTransformerContext context) =>
        context.Description.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any()
        || !context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any();
}
