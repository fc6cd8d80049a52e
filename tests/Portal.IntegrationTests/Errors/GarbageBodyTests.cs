using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portal.IntegrationTests.Errors;

/// <summary>
/// Every operation of the served OpenAPI document that reads a JSON body is sent bodies no client should send: another JSON
/// shape (an array, a number, a string), a broken document, and, field by field, an unknown name and a number for each named
/// value (enum), an unknown name in each list of them, an object where text is expected, text where a number or a list is
/// expected. Each is refused with 400 and a problem that says what is wrong (a detail or errors), never a 500; a refused named
/// value lists the names it takes. Read from the document, so a route added tomorrow is covered without a line here.
/// </summary>
public sealed class GarbageBodyTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task Every_json_body_refuses_garbage_with_a_problem_that_says_what_is_wrong()
    {
        var client = await app.ClientForAsync(DemoDirectory.Liam);
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken))!.AsObject();
        var schemas = document["components"]!["schemas"]!.AsObject();

        var failures = new List<string>();
        var operations = 0;
        var namedFields = 0;
        foreach (var (path, pathItem) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in pathItem!.AsObject())
            {
                if (operation?["requestBody"]?["content"]?["application/json"]?["schema"] is not { } bodySchema) continue;
                operations++;
                // Any id will do: the body is read (and refused) before anything is looked up.
                var url = System.Text.RegularExpressions.Regex.Replace(path, "{[^}]+}", _ => Guid.NewGuid().ToString());
                foreach (var (label, body, namesExpected) in GarbageFor(Resolve(bodySchema, schemas), schemas))
                {
                    namedFields += namesExpected is null ? 0 : 1;
                    using var response = await client.SendRawAsync(new HttpMethod(method.ToUpperInvariant()), url, body);
                    var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                    var what = $"{method.ToUpperInvariant()} {path} with {label} ({body}) answered {(int)response.StatusCode}: {text}";
                    if (response.StatusCode != HttpStatusCode.BadRequest || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    {
                        failures.Add(what);
                        continue;
                    }
                    var problem = JsonNode.Parse(text)!;
                    var detail = problem["detail"]?.GetValue<string>();
                    if (string.IsNullOrWhiteSpace(detail) && problem["errors"] is null) failures.Add($"{what} (no detail, no errors)");
                    else if (namesExpected is not null && detail?.Contains(namesExpected, StringComparison.Ordinal) != true)
                        failures.Add($"{what} (should list {namesExpected})");
                }
            }
        }

        operations.ShouldBeGreaterThan(30, "the document lists the JSON bodies of the whole API");
        namedFields.ShouldBeGreaterThan(20, "named fields (severity, status, visibility, role...) are among them");
        failures.ShouldBeEmpty(string.Join("\n", failures));
    }

    private static readonly string[] UnknownNameInAList = ["Bogus"];

    /// <summary>(label, body, the names a refusal must list or null).</summary>
    private static IEnumerable<(string Label, string Body, string? Names)> GarbageFor(JsonNode schema, JsonObject schemas)
    {
        yield return ("an array", "[]", null);
        yield return ("a number", "5", null);
        yield return ("a string", "\"x\"", null);
        yield return ("broken JSON", "{\"a\":", null);
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            var field = Resolve(property!, schemas);
            if (EnumNames(field, schemas) is { } names)
            {
                var listed = string.Join(", ", names);
                yield return ($"an unknown {name}", Body(name, "Bogus"), listed);
                yield return ($"a numeric {name}", Body(name, 1), listed);
                continue;
            }
            var types = TypesOf(field);
            if (types.Contains("string")) yield return ($"an object as {name}", Body(name, new { nested = 1 }), null);
            else if (types.Contains("integer") || types.Contains("number")) yield return ($"text as {name}", Body(name, "x"), null);
            else if (types.Contains("array"))
            {
                yield return ($"text as the list {name}", Body(name, "x"), null);
                if (field["items"] is { } items && EnumNames(Resolve(items, schemas), schemas) is { } itemNames)
                    yield return ($"an unknown name in the list {name}", Body(name, UnknownNameInAList), string.Join(", ", itemNames));
            }
        }
    }

    private static string Body(string name, object value) => JsonSerializer.Serialize(new Dictionary<string, object> { [name] = value });

    /// <summary>The enum's names, for an enum schema or a nullable one (anyOf/oneOf of null and the enum).</summary>
    private static IReadOnlyList<string>? EnumNames(JsonNode schema, JsonObject schemas)
    {
        if (schema["enum"] is JsonArray values) return [.. values.Where(v => v is not null).Select(v => v!.ToString())];
        foreach (var combinator in new[] { "anyOf", "oneOf" })
        {
            foreach (var option in schema[combinator]?.AsArray() ?? [])
            {
                if (EnumNames(Resolve(option!, schemas), schemas) is { } names) return names;
            }
        }
        return null;
    }

    private static HashSet<string> TypesOf(JsonNode schema) => schema["type"] switch
    {
        JsonArray many => [.. many.Select(t => t!.GetValue<string>())],
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };

    private static JsonNode Resolve(JsonNode schema, JsonObject schemas)
    {
        while (schema["$ref"]?.GetValue<string>() is { } reference) schema = schemas[reference.Split('/')[^1]]!;
        return schema;
    }
}
