using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Infrastructure.OpenApi;

/// <summary>The document's front matter: what the API is, its licence and contact, one description per tag; the server.</summary>
public sealed class DocumentInfo : IOpenApiDocumentTransformer
{
    public static readonly IReadOnlyDictionary<string, string> TagDescriptions = new Dictionary<string, string>
    {
        ["Incidents"] = "Incidents in customer tenants: MSP engineers open, acknowledge, assign, move and note them; customers read the customer-visible part and comment.",
        ["Customer status"] = "The customer's view of its own tenant: open and recently resolved incidents and the advisories that target it.",
        ["Remediation"] = "Devices and remediation tasks of an incident, bulk state changes from RMM integrations, progress and burn-down.",
        ["Device imports"] = "CSV uploads of affected devices into an incident: one task per device, processed in the background.",
        ["Advisories"] = "Provider advisories: providers publish, edit and update them and see aggregate impact; everyone reads those that target them.",
        ["Advisories (MSP)"] = "The MSP's side of advisories: the inbox over its tenants, acknowledgement, targeting, fan-out into incidents and tasks.",
        ["Organisations"] = "Who you are and what you may see, the platform's organisations, and customer tenants' service subscriptions.",
        ["People"] = "An organisation's members, invitations, roles and audit log (its administrators).",
        ["Contracts"] = "MSP contracts: which MSP manages which customer tenant; proposed by the MSP, accepted by the customer.",
        ["Notifications"] = "The MSP's webhook and Teams endpoints with their delivery log, and customers' e-mail subscriptions.",
        ["Escalations"] = "The MSP's escalation policy, on-call rotation and overrides, and a contract's tighter targets.",
        ["Reports"] = "The post-incident report of an incident, and MTTA/MTTR over a period by severity and tenant; both also as CSV.",
        ["Development sign-in"] = "Development only: demo users and bearer tokens for them. Never served outside Development.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Portal API",
            Version = "v1",
            Description =
                "Incident coordination between providers, MSPs and their customers. Every route needs an Entra ID bearer token (see the " +
                "security schemes) except those marked otherwise; what a token may read and do follows its user's role in each organisation. " +
                "A record of a tenant you may not see answers 404, like a missing one. Errors are RFC 7807 problems (`ProblemDetails`) whose " +
                "`code` clients can branch on. Incidents carry an ETag: send it back in `If-Match` to change one only if no one else has. " +
                "Enum values are strings, one name each (numbers and lists are refused). A field a request body does not define is refused (400 " +
                "naming it), never ignored. Compatibility rules and deprecation: docs/api.md in the repository.",
            Contact = new OpenApiContact { Name = "Portal engineering team" },
            License = new OpenApiLicense { Name = "Proprietary" },
        };
        // The server is "/", the origin that serves the document: the framework would write the host the document was requested
        // from (with a trailing slash), which is neither stable in the checked-in contract nor right behind a proxy.
        document.Servers = [new OpenApiServer { Url = "/", Description = "The origin this document is served from." }];
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var tag in document.Tags)
        {
            if (tag.Name is not null && TagDescriptions.TryGetValue(tag.Name, out var text)) tag.Description = text;
        }
        return Task.CompletedTask;
    }
}
