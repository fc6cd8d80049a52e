using System.Text.Json.Nodes;

namespace Portal.IntegrationTests.OpenApi;

/// <summary>
/// What a client built from the checked-in contract would feel if the generated document replaced it (docs/api.md,
/// "What is breaking"): an operation, a path or a documented response gone; a parameter or schema property gone or of
/// another type; a required field no longer required (a response) or an optional one now required (a request); an enum
/// that lost a value. Additions are not listed here.
/// </summary>
public static class ContractDiff
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    public static IReadOnlyList<string> BreakingChanges(JsonObject contract, JsonObject generated)
    {
        var problems = new List<string>();
        var contractPaths = contract["paths"]?.AsObject() ?? [];
        var generatedPaths = generated["paths"]?.AsObject() ?? [];
        foreach (var (path, contractItem) in contractPaths)
        {
            if (generatedPaths[path] is not JsonObject generatedItem)
            {
                problems.Add($"path {path} is gone");
                continue;
            }
            foreach (var method in Methods.Where(m => contractItem?[m] is JsonObject))
            {
                var where = $"{method.ToUpperInvariant()} {path}";
                if (generatedItem[method] is not JsonObject operation)
                {
                    problems.Add($"operation {where} is gone");
                    continue;
                }
                var before = contractItem![method]!.AsObject();
                if (Text(before["operationId"]) != Text(operation["operationId"]))
                    problems.Add($"{where}: operationId {Text(before["operationId"])} became {Text(operation["operationId"])}");
                foreach (var (status, _) in before["responses"]?.AsObject() ?? [])
                {
                    if (operation["responses"]?[status] is null) problems.Add($"{where}: response {status} is no longer documented");
                }
                CompareParameters(where, before["parameters"]?.AsArray(), operation["parameters"]?.AsArray(), problems);
                if (before["requestBody"] is not null && operation["requestBody"] is null) problems.Add($"{where}: the request body is gone");
                if (before["requestBody"]?["required"]?.GetValue<bool>() != true && operation["requestBody"]?["required"]?.GetValue<bool>() == true)
                    problems.Add($"{where}: the request body became required");
            }
        }

        var requestSchemas = Reachable(generated, "requestBody");
        var responseSchemas = Reachable(generated, "responses");
        var contractSchemas = contract["components"]?["schemas"]?.AsObject() ?? [];
        var generatedSchemas = generated["components"]?["schemas"]?.AsObject() ?? [];
        foreach (var (name, contractSchema) in contractSchemas)
        {
            if (generatedSchemas[name] is not JsonObject schema)
            {
                problems.Add($"schema {name} is gone");
                continue;
            }
            CompareSchema(name, contractSchema!.AsObject(), schema, requestSchemas.Contains(name), responseSchemas.Contains(name), problems);
        }
        return problems;
    }

    private static void CompareParameters(string where, JsonArray? before, JsonArray? after, List<string> problems)
    {
        var old = (before ?? []).OfType<JsonObject>().ToDictionary(Key);
        var now = (after ?? []).OfType<JsonObject>().ToDictionary(Key);
        foreach (var (key, parameter) in old)
        {
            if (!now.TryGetValue(key, out var current))
            {
                problems.Add($"{where}: parameter {key} is gone");
                continue;
            }
            if (!Required(parameter) && Required(current)) problems.Add($"{where}: parameter {key} became required");
            if (!SameType(parameter["schema"], current["schema"])) problems.Add($"{where}: parameter {key} changed its type");
            var lost = EnumValues(parameter["schema"]).Except(EnumValues(current["schema"])).ToList();
            if (lost.Count > 0) problems.Add($"{where}: parameter {key} no longer accepts {string.Join(", ", lost)}");
        }
        foreach (var (key, parameter) in now)
        {
            if (!old.ContainsKey(key) && Required(parameter)) problems.Add($"{where}: new required parameter {key}");
        }

        static string Key(JsonObject p) => $"{Text(p["in"])}:{Text(p["name"])?.ToLowerInvariant()}";
        static bool Required(JsonObject p) => p["required"]?.GetValue<bool>() == true;
    }

    private static void CompareSchema(string name, JsonObject before, JsonObject after, bool isRequest, bool isResponse, List<string> problems)
    {
        if (!SameType(before, after)) problems.Add($"schema {name} changed its type");
        var lostValues = EnumValues(before).Except(EnumValues(after)).ToList();
        if (lostValues.Count > 0) problems.Add($"schema {name} lost enum values {string.Join(", ", lostValues)}");
        var oldRequired = Names(before["required"]);
        var newRequired = Names(after["required"]);
        var oldProperties = before["properties"]?.AsObject() ?? [];
        var newProperties = after["properties"]?.AsObject() ?? [];
        foreach (var (property, schema) in oldProperties)
        {
            if (newProperties[property] is not JsonObject current)
            {
                problems.Add($"{name}.{property} is gone");
                continue;
            }
            if (!SameType(schema, current)) problems.Add($"{name}.{property} changed its type");
            var lost = EnumValues(schema).Except(EnumValues(current)).ToList();
            if (lost.Count > 0) problems.Add($"{name}.{property} lost enum values {string.Join(", ", lost)}");
        }
        // A client reads what a response promises and sends what a request asks: each may only grow in its own direction.
        if (isResponse)
        {
            foreach (var property in oldRequired.Except(newRequired)) problems.Add($"{name}.{property} (a response field) is no longer required");
        }
        if (isRequest)
        {
            foreach (var property in newRequired.Except(oldRequired)) problems.Add($"{name}.{property} (a request field) became required");
        }
    }

    /// <summary>Schemas reachable from the operations' request bodies (what a client sends) or responses (what it reads), through references.</summary>
    private static HashSet<string> Reachable(JsonObject document, string part)
    {
        var schemas = document["components"]?["schemas"]?.AsObject() ?? [];
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<JsonNode?>();
        foreach (var (_, item) in document["paths"]?.AsObject() ?? [])
        {
            foreach (var operation in (item?.AsObject() ?? []).Select(o => o.Value).OfType<JsonObject>()) pending.Push(operation[part]);
        }
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case JsonObject o:
                    if (Text(o["$ref"]) is { } reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                    {
                        var target = reference["#/components/schemas/".Length..];
                        if (found.Add(target)) pending.Push(schemas[target]);
                    }
                    foreach (var (_, child) in o) pending.Push(child);
                    break;
                case JsonArray a:
                    foreach (var child in a) pending.Push(child);
                    break;
            }
        }
        return found;
    }

    private static bool SameType(JsonNode? before, JsonNode? after) =>
        JsonNode.DeepEquals(before?["type"], after?["type"]) && JsonNode.DeepEquals(before?["$ref"], after?["$ref"])
        && JsonNode.DeepEquals(before?["format"], after?["format"]);

    private static IEnumerable<string> EnumValues(JsonNode? schema) => (schema?["enum"]?.AsArray() ?? []).Select(v => v?.ToJsonString() ?? "null");

    private static HashSet<string> Names(JsonNode? array) => [.. (array?.AsArray() ?? []).Select(n => n!.GetValue<string>())];

    private static string? Text(JsonNode? node) => node?.GetValue<string>();
}
