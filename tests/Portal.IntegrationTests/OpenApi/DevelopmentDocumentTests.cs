using System.Text.Json.Nodes;

namespace Portal.IntegrationTests.OpenApi;

/// <summary>The document in Development: served at /openapi/v1.json with the development bearer beside Entra ID, its /dev routes anonymous.</summary>
public sealed class DevelopmentDocumentTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Development_serves_the_document_with_the_development_bearer_and_anonymous_dev_routes()
    {
        using var client = app.Anonymous();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json", Ct))!.AsObject();

        document["components"]!["securitySchemes"]!.AsObject().Select(s => s.Key).ShouldBe(["entraId", "developmentBearer"], ignoreOrder: true);
        document["security"]!.AsArray().SelectMany(r => r!.AsObject().Select(s => s.Key)).ShouldContain("developmentBearer");

        var token = document["paths"]!["/dev/token"]!["post"]!.AsObject();
        token["security"]!.AsArray().ShouldHaveSingleItem()!.AsObject().Count.ShouldBe(0, "an empty requirement: no token needed");
        token["responses"]!.AsObject().Select(r => r.Key).ShouldNotContain("401");

        // an authorized route keeps the global requirement and documents 401/403
        var incident = document["paths"]!["/api/v1/incidents/{id}"]!["get"]!.AsObject();
        incident.ContainsKey("security").ShouldBeFalse();
        incident["responses"]!.AsObject().Select(r => r.Key).ShouldBe(["200", "401", "403", "404", "429"], ignoreOrder: true);
    }
}
