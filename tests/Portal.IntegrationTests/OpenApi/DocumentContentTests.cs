using System.Text.Json.Nodes;
using Portal.Domain;
using Portal.Features.Incidents;

namespace Portal.IntegrationTests.OpenApi;

/// <summary>
/// What issue 15 asks of the document, checked on the Production document: required fields and limits from the validators
/// (the same constants the code uses), the concurrency and creation headers, every error documented, a description with
/// who may call on every operation, tag descriptions and the licence.
/// </summary>
public sealed class DocumentContentTests(ProductionDocument document) : IClassFixture<ProductionDocument>
{
    private static readonly string[] BodyErrors = ["400", "413", "415"];

    private JsonObject Schema(string name) => document.Json["components"]!["schemas"]![name]!.AsObject();
    private JsonObject Operation(string path, string method) => document.Json["paths"]![path]![method]!.AsObject();
    private static IEnumerable<string> Names(JsonNode? array) => (array?.AsArray() ?? []).Select(n => n!.GetValue<string>());

    [Fact]
    public void Request_bodies_require_and_limit_what_the_validators_do()
    {
        var create = Schema("CreateIncidentBody");
        Names(create["required"]).ShouldBe(["title", "severity"], ignoreOrder: true);
        create["properties"]!["title"]!["maxLength"]!.GetValue<int>().ShouldBe(Incident.TitleMaxLength);
        create["properties"]!["title"]!["type"]!.ToJsonString().ShouldBe("\"string\"", "required, so not nullable");
        create["properties"]!["severity"]!["$ref"]!.GetValue<string>().ShouldBe("#/components/schemas/Severity");
        create["properties"]!["customerSummary"]!["maxLength"]!.GetValue<int>().ShouldBe(Incident.SummaryMaxLength);

        Names(Schema("AddIncidentNoteBody")["required"]).ShouldBe(["text", "visibility"], ignoreOrder: true);
        Names(Schema("ChangeIncidentStatusBody")["required"]).ShouldBe(["status"]);
        // a nested item the validators do not require anything of: nothing required (the generator would say both)
        Schema("BulkItemBody")["required"].ShouldBeNull();
    }

    [Fact]
    public void Paging_parameters_carry_the_limits_the_code_enforces()
    {
        var parameters = Operation("/api/v1/incidents", "get")["parameters"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["schema"]!);
        parameters["page"]["minimum"]!.GetValue<int>().ShouldBe(1);
        parameters["pageSize"]["minimum"]!.GetValue<int>().ShouldBe(1);
        parameters["pageSize"]["maximum"]!.GetValue<int>().ShouldBe(ListIncidents.MaxPageSize);
        Names(parameters["status"]["items"]!["enum"]).ShouldBe(Enum.GetNames<IncidentStatus>());
    }

    [Fact]
    public void Optimistic_concurrency_and_creation_headers_are_described()
    {
        var acknowledge = Operation("/api/v1/incidents/{id}/acknowledge", "post");
        var ifMatch = acknowledge["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "If-Match")!;
        ifMatch["in"]!.GetValue<string>().ShouldBe("header");
        ifMatch["description"]!.GetValue<string>().ShouldContain("stale_version");
        acknowledge["responses"]!["200"]!["headers"]!["ETag"].ShouldNotBeNull();
        acknowledge["responses"]!["409"]!["description"]!.GetValue<string>().ShouldSatisfyAllConditions(
            d => d.ShouldContain("already_acknowledged"), d => d.ShouldContain("stale_version"), d => d.ShouldContain("currentVersion"));

        var created = Operation("/api/v1/tenants/{tenantId}/incidents", "post")["responses"]!["201"]!["headers"]!.AsObject();
        created.Select(h => h.Key).ShouldBe(["ETag", "Location", "Idempotent-Replayed"], ignoreOrder: true);
        Operation("/api/v1/tenants/{tenantId}/status", "get")["responses"]!["200"]!["headers"]!["ETag"].ShouldNotBeNull();
    }

    [Theory]
    [InlineData("/api/v1/tenants/{tenantId}/incidents", true)]
    [InlineData("/api/v1/incidents/{id}/notes", true)]
    [InlineData("/api/v1/incidents/{id}/tasks", true)]
    [InlineData("/api/v1/tenants/{tenantId}/devices", true)]
    [InlineData("/api/v1/providers/{providerId}/advisories", true)]
    [InlineData("/api/v1/advisories/{id}/updates", true)]
    [InlineData("/api/v1/incidents/{id}/acknowledge", false)]
    [InlineData("/api/v1/incidents/{id}/tasks/bulk-state", false)]
    public void The_creations_a_client_may_retry_document_the_Idempotency_Key(string path, bool honoured)
    {
        var operation = Operation(path, "post");
        var parameter = operation["parameters"]?.AsArray().SingleOrDefault(p => p!["name"]!.GetValue<string>() == "Idempotency-Key");
        if (!honoured)
        {
            parameter.ShouldBeNull(path);
            operation["responses"]!.AsObject().ContainsKey("422").ShouldBeFalse(path);
            return;
        }
        parameter.ShouldNotBeNull(path);
        parameter["in"]!.GetValue<string>().ShouldBe("header");
        parameter["schema"]!["maxLength"]!.GetValue<int>().ShouldBe(255);
        operation["responses"]!["422"]!["description"]!.GetValue<string>().ShouldContain("idempotency_key_reused");
        operation["responses"]!["400"]!["description"]!.GetValue<string>().ShouldContain("invalid_idempotency_key");
    }

    [Fact]
    public void Every_API_operation_documents_its_errors_and_who_may_call_it()
    {
        var operations = 0;
        foreach (var (path, item) in document.Json["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                var operation = node!.AsObject();
                var where = $"{method.ToUpperInvariant()} {path}";
                operation["description"]!.GetValue<string>().ShouldContain("**Who may call:**", Case.Sensitive, where);
                var responses = operation["responses"]!.AsObject().Select(r => r.Key).ToList();
                if (!path.StartsWith("/api/", StringComparison.Ordinal)) continue;
                operations++;
                responses.ShouldContain("401", where);
                responses.ShouldContain("403", where);
                responses.ShouldContain("429", where);
                if (path.Contains('{')) responses.ShouldContain("404", where);
                if (method is "post" or "put" or "delete") responses.ShouldContain("409", where);
                if (operation.ContainsKey("requestBody")) BodyErrors.ShouldBeSubsetOf(responses, where);
                foreach (var (status, response) in operation["responses"]!.AsObject().Where(r => r.Key[0] is '4'))
                {
                    response!["content"]!["application/problem+json"]!["schema"]!["$ref"]!.GetValue<string>()
                        .ShouldBe("#/components/schemas/ProblemDetails", $"{where} {status}");
                }
            }
        }
        operations.ShouldBeGreaterThan(80);
        // the anonymous feed needs no token
        Operation("/feeds/providers/{providerId}/advisories.atom", "get")["security"]!.AsArray().ShouldHaveSingleItem()!.AsObject().Count.ShouldBe(0);
    }

    [Fact]
    public void Every_authorized_operation_names_its_permission_unless_its_message_is_for_any_signed_in_user()
    {
        // An operation whose name matches no Mediator message (and says no [Sends]) would fall back to a vague "who may call".
        var anyUser = typeof(Program).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributes(typeof(Portal.Pipeline.AnySignedInUserAttribute), false).Length > 0).Select(t => t.Name).ToHashSet();
        anyUser.ShouldNotBeEmpty();
        foreach (var (path, item) in document.Json["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                var operation = node!.AsObject();
                var anonymous = operation["security"] is JsonArray { Count: 1 } requirements && requirements[0]!.AsObject().Count == 0;
                if (anonymous || anyUser.Contains(operation["operationId"]!.GetValue<string>())) continue;
                operation["description"]!.GetValue<string>().ShouldContain("**Who may call:** permission `", Case.Sensitive, $"{method.ToUpperInvariant()} {path}");
            }
        }
    }

    [Fact]
    public void Tags_licence_and_contact_are_there()
    {
        var info = document.Json["info"]!;
        info["license"]!["name"]!.GetValue<string>().ShouldBe("Proprietary");
        info["contact"]!["name"].ShouldNotBeNull();
        foreach (var tag in document.Json["tags"]!.AsArray()) tag!["description"].ShouldNotBeNull(tag["name"]!.GetValue<string>());
    }
}
