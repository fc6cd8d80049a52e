using System.Text.Json.Nodes;

namespace Portal.IntegrationTests.Host;

/// <summary>
/// The development sign-in (<c>/dev/token</c>, <c>/dev/users</c>) and its bearer scheme are published where they exist,
/// in Development, and never in a Production document, nor in the checked-in contract clients are generated from.
/// </summary>
public sealed class DevelopmentRoutesInTheDocumentTests(SqliteApp development) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonObject> DocumentOfAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/openapi/v1.json", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private static List<string> Paths(JsonObject document) => document["paths"]!.AsObject().Select(p => p.Key).ToList();

    private static List<string> DevelopmentPaths(JsonObject document) =>
        Paths(document).Where(p => p == "/dev" || p.StartsWith("/dev/", StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>Security schemes that belong to the development sign-in: named or described as such.</summary>
    private static List<string> DevelopmentSchemes(JsonObject document) =>
        (document["components"]?["securitySchemes"] as JsonObject ?? [])
        .Where(s => s.Key.Contains("development", StringComparison.OrdinalIgnoreCase)
                    || (s.Value?["description"]?.GetValue<string>() ?? "").Contains("development", StringComparison.OrdinalIgnoreCase))
        .Select(s => s.Key).ToList();

    /// <summary>Every scheme name a security requirement names, at the top and on each operation.</summary>
    private static IEnumerable<string> RequiredSchemes(JsonObject document)
    {
        var requirements = new List<JsonNode?> { document["security"] };
        foreach (var (_, item) in document["paths"]!.AsObject())
        {
            foreach (var (_, operation) in item!.AsObject()) requirements.Add(operation?["security"]);
        }
        return requirements.OfType<JsonArray>().SelectMany(a => a.OfType<JsonObject>()).SelectMany(r => r.Select(s => s.Key));
    }

    [Fact]
    public async Task The_production_document_has_no_development_route_or_scheme_and_the_development_one_has_its_routes()
    {
        await using var production = new ProductionApp(HostTests.FakeEntra);
        using var client = production.CreateClient();
        var document = await DocumentOfAsync(client);
        Paths(document).ShouldContain("/api/v1/incidents", "the Production document is the API's, not an empty one");
        DevelopmentPaths(document).ShouldBeEmpty();
        var developmentSchemes = DevelopmentSchemes(document);
        developmentSchemes.ShouldBeEmpty();
        RequiredSchemes(document).ShouldNotContain(s => s.Contains("development", StringComparison.OrdinalIgnoreCase));

        using var anonymous = development.Anonymous();
        var developmentDocument = await DocumentOfAsync(anonymous);
        DevelopmentPaths(developmentDocument).ShouldBe(["/dev/token", "/dev/users"], ignoreOrder: true);
        developmentDocument["paths"]!["/dev/token"]!["post"].ShouldNotBeNull();
        developmentDocument["paths"]!["/dev/users"]!["get"].ShouldNotBeNull();
        // the checks above look for the development scheme by name: the Development document shows they would find it
        DevelopmentSchemes(developmentDocument).ShouldNotBeEmpty();
    }

    [Fact]
    public void The_checked_in_contract_has_no_development_route_or_scheme()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Portal.sln"))) root = root.Parent;
        var contract = Path.Combine(root.ShouldNotBeNull("the repository root (Portal.sln) above the test's folder").FullName, "docs", "api", "openapi-v1.json");
        var document = JsonNode.Parse(File.ReadAllText(contract))!.AsObject();
        Paths(document).ShouldContain("/api/v1/incidents");
        DevelopmentPaths(document).ShouldBeEmpty();
        DevelopmentSchemes(document).ShouldBeEmpty();
    }
}
