using System.Text.Json.Nodes;

namespace Portal.IntegrationTests.OpenApi;

/// <summary>
/// docs/api/openapi-v1.json is the published contract of /api/v1 (docs/api.md, "Versioning"). The document the app generates
/// must keep every promise in it; anything it adds is fine, but then the file must be refreshed:
/// <c>PORTAL_UPDATE_CONTRACT=1 tests/Portal.IntegrationTests/bin/Debug/net10.0/Portal.IntegrationTests -class Portal.IntegrationTests.OpenApi.ContractTests</c>.
/// </summary>
public sealed class ContractTests(ProductionDocument document) : IClassFixture<ProductionDocument>
{
    private static readonly string Refresh =
        $"Refresh it with: {ProductionDocument.UpdateVariable}=1 tests/Portal.IntegrationTests/bin/Debug/net10.0/Portal.IntegrationTests " +
        $"-class {typeof(ContractTests).FullName} (then review the diff of docs/api/openapi-v1.json).";

    [Fact]
    public void The_generated_document_keeps_every_promise_of_the_checked_in_contract()
    {
        var contract = document.CheckedInText.ShouldNotBeNull($"{ProductionDocument.ContractPath} is missing. {Refresh}");
        var breaking = ContractDiff.BreakingChanges(JsonNode.Parse(contract)!.AsObject(), document.Json);
        breaking.ShouldBeEmpty(
            "The generated document breaks the published /api/v1 contract (docs/api.md, \"What is breaking\"). Put the change " +
            "back, or give it a new version beside v1; refresh the contract only when the break is intended and announced:\n" + string.Join("\n", breaking));
    }

    [Fact]
    public async Task The_checked_in_contract_is_the_generated_document()
    {
        if (Environment.GetEnvironmentVariable(ProductionDocument.UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(ProductionDocument.ContractPath)!);
            await File.WriteAllTextAsync(ProductionDocument.ContractPath, document.Text, TestContext.Current.CancellationToken);
            return;
        }
        (document.CheckedInText ?? "").ShouldBe(document.Text,
            $"The generated OpenAPI document differs from docs/api/openapi-v1.json (additions are fine; breaking changes fail the other test). {Refresh}");
    }

    [Fact]
    public void The_contract_checker_sees_a_removed_operation_a_lost_response_a_lost_field_and_a_newly_required_one()
    {
        // Negative control on the real document: each kind of break is found.
        var generated = document.Json;
        var changed = JsonNode.Parse(generated.ToJsonString())!.AsObject();
        var paths = changed["paths"]!.AsObject();
        paths["/api/v1/incidents/{id}/acknowledge"]!.AsObject().Remove("post");
        paths["/api/v1/incidents/{id}"]!["get"]!["responses"]!.AsObject().Remove("404");
        var body = changed["components"]!["schemas"]!["CreateIncidentBody"]!.AsObject();
        var required = body["required"]?.AsArray() ?? [];
        var optional = body["properties"]!.AsObject().Select(p => p.Key).First(p => !required.Any(r => r!.GetValue<string>() == p));

        // "changed" plays the old contract where it has more, the new document where it asks more
        var incident = changed["components"]!["schemas"]!["IncidentView"]!.AsObject();
        incident["required"] = new JsonArray([.. incident["required"]!.AsArray().Select(r => r!.GetValue<string>()).Where(r => r != "title").Select(r => JsonValue.Create(r))]);
        incident["properties"]!.AsObject().Remove("tenantName");

        ContractDiff.BreakingChanges(generated, changed).ShouldSatisfyAllConditions(
            b => b.ShouldContain("IncidentView.title (a response field) is no longer required"),
            b => b.ShouldContain("IncidentView.tenantName is gone"),
            b => b.ShouldContain("operation POST /api/v1/incidents/{id}/acknowledge is gone"),
            b => b.ShouldContain("GET /api/v1/incidents/{id}: response 404 is no longer documented"));

        var asksMore = JsonNode.Parse(generated.ToJsonString())!.AsObject();
        var bodyNow = asksMore["components"]!["schemas"]!["CreateIncidentBody"]!.AsObject();
        bodyNow["required"] = new JsonArray([.. required.Select(r => JsonValue.Create(r!.GetValue<string>())), JsonValue.Create(optional)]);
        ContractDiff.BreakingChanges(generated, asksMore).ShouldContain($"CreateIncidentBody.{optional} (a request field) became required");

        ContractDiff.BreakingChanges(generated, generated).ShouldBeEmpty();
    }
}
