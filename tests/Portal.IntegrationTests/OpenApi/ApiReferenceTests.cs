using System.Text.RegularExpressions;

namespace Portal.IntegrationTests.OpenApi;

/// <summary>
/// docs/api.md, the hand-written reference, names only routes the API has: every "| METHOD | `/path` |" row of its tables is an
/// operation of the document the app generates (path parameters compared by position, not name). It once listed
/// GET /organisations/{id}/members, which answered 404 (the list is /people).
/// </summary>
public sealed partial class ApiReferenceTests(ProductionDocument document) : IClassFixture<ProductionDocument>
{
    /// <summary>Rows for routes outside /api/v1, which the document does not describe: the Atom feed and the unsubscribe link.</summary>
    private static readonly string[] OutsideTheApi = ["/feeds/", "/notifications/unsubscribe"];

    [GeneratedRegex(@"^\|\s*(?<methods>[A-Z][A-Z /]*?)\s*\|\s*`(?<path>/[^`]*)`", RegexOptions.Multiline)]
    private static partial Regex Row();

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();

    [Fact]
    public void Every_route_the_reference_lists_is_an_operation_of_the_api()
    {
        var operations = document.Json["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => $"{o.Key.ToUpperInvariant()} {Parameter().Replace(p.Key, "{}")}"))
            .ToHashSet(StringComparer.Ordinal);
        var reference = File.ReadAllText(Path.Combine(ProductionDocument.RepositoryRoot, "docs", "api.md"));

        var listed = Row().Matches(reference)
            .Select(m => (Methods: m.Groups["methods"].Value.Split('/', StringSplitOptions.TrimEntries), Path: m.Groups["path"].Value.Split('?')[0]))
            .Where(r => !OutsideTheApi.Any(o => r.Path.StartsWith(o, StringComparison.Ordinal)))
            .SelectMany(r => r.Methods.Where(m => m is "GET" or "POST" or "PUT" or "PATCH" or "DELETE").Select(m => $"{m} /api/v1{Parameter().Replace(r.Path, "{}")}"))
            .ToList();

        listed.Count.ShouldBeGreaterThan(50, "the tables were read");
        listed.Where(l => !operations.Contains(l)).ShouldBeEmpty();
    }
}
