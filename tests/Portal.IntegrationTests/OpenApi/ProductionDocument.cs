using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.IntegrationTests.Host;

namespace Portal.IntegrationTests.OpenApi;

/// <summary>
/// The OpenAPI document as Production serves it (no /dev routes), fetched once per test class, and the repository files it is
/// checked against: docs/api/openapi-v1.json (the contract) and redocly.yaml (the lint rules).
/// </summary>
public sealed class ProductionDocument : IAsyncLifetime
{
    /// <summary>Set to 1 to rewrite docs/api/openapi-v1.json from the generated document.</summary>
    public const string UpdateVariable = "PORTAL_UPDATE_CONTRACT";

    /// <summary>What Production needs to start without talking to Entra ID (its metadata is fetched on the first challenge only).</summary>
    private static readonly Dictionary<string, string> FakeEntra = new()
    {
        ["AzureAd:Instance"] = "https://login.microsoftonline.com/",
        ["AzureAd:TenantId"] = "organizations",
        ["AzureAd:ClientId"] = "00000000-0000-0000-0000-000000000000",
    };

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string RepositoryRoot { get; } = FindRepositoryRoot();
    public static string ContractPath { get; } = Path.Combine(RepositoryRoot, "docs", "api", "openapi-v1.json");

    /// <summary>The generated document, normalised as the contract file is written (maps in key order, indented).</summary>
    public string Text { get; private set; } = "";
    public JsonObject Json { get; private set; } = [];

    /// <summary>The contract as it was in the repository before any test of this run could rewrite it.</summary>
    public string? CheckedInText { get; private set; }

    public async ValueTask InitializeAsync()
    {
        CheckedInText = File.Exists(ContractPath) ? await File.ReadAllTextAsync(ContractPath) : null;
        await using var production = new ProductionApp(FakeEntra);
        using var client = production.CreateClient();
        var served = await client.GetStringAsync("/openapi/v1.json");
        Text = Normalise(served);
        Json = JsonNode.Parse(Text)!.AsObject();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Indented, with the maps whose order the generator may change (paths, components) in key order, and a final newline.</summary>
    public static string Normalise(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        if (root["paths"] is JsonObject paths) root["paths"] = Sorted(paths);
        if (root["components"] is JsonObject components)
        {
            foreach (var name in components.Select(c => c.Key).ToList())
            {
                if (components[name] is JsonObject map) components[name] = Sorted(map);
            }
        }
        return root.ToJsonString(Pretty).ReplaceLineEndings("\n") + "\n";
    }

    private static JsonObject Sorted(JsonObject map)
    {
        var sorted = new JsonObject();
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            map.Remove(key);
            sorted[key] = value;
        }
        return sorted;
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Portal.sln"))) return folder.FullName;
        }
        throw new DirectoryNotFoundException($"Portal.sln not found above {AppContext.BaseDirectory}.");
    }
}
