using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Portal.IntegrationTests.Infrastructure;

/// <summary>The wire contract as a client sees it: enums are strings, names camelCase. Independent of the product's records on purpose.</summary>
public sealed record IncidentDto(Guid Id, Guid TenantId, string TenantName, string Reference, string Title, string? CustomerSummary,
    string Severity, string Status, PersonDto? Assignee, DateTimeOffset CreatedAt, DateTimeOffset? AcknowledgedAt, DateTimeOffset? ResolvedAt,
    DateTimeOffset? ClosedAt, DateTimeOffset UpdatedAt, long Version, string[] NextStatuses);

public static class IncidentDtoExtensions
{
    /// <summary>
    /// The same incident, to the tick: a change's 201/200 body and a later read carry the same times (Portal's clock stamps
    /// at 0.1 ms, which every store keeps). Both once differed below the millisecond and this compared them cut to it.
    /// </summary>
    public static void ShouldMatch(this IncidentDto actual, IncidentDto expected) => actual.ShouldBeEquivalentTo(expected);
}

public sealed record PersonDto(Guid Id, string Name);

public sealed record PageDto(IncidentDto[] Items, int Page, int PageSize, int Total, string? Next);

public sealed record TimelineDto(Guid Id, int Sequence, DateTimeOffset At, string Actor, string Kind, string Visibility, string Text,
    string? FromStatus, string? ToStatus);

/// <summary>An RFC 7807 body, read loosely so a test can say exactly which part is wrong.</summary>
public sealed record Problem(int? Status, string? Title, string? Detail, string? Code, long? CurrentVersion, IReadOnlyDictionary<string, string[]> Errors, string Raw);

public static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object? body, string? ifMatch = null) =>
        client.SendRawAsync(HttpMethod.Post, url, body is null ? null : JsonSerializer.Serialize(body, Json), "application/json", ifMatch);

    /// <summary>A page as live.js refetches it after a change: HTML, with the live refresh header.</summary>
    public static async Task<HttpResponseMessage> LiveRefetchAsync(this HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        request.Headers.Add("X-Portal-Live", "1");
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static async Task<HttpResponseMessage> SendRawAsync(this HttpClient client, HttpMethod method, string url, string? body,
        string? contentType = "application/json", string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        }
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await client.SendAsync(request);
    }

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {text}");
        return JsonSerializer.Deserialize<T>(text, Json)!;
    }

    public static async Task<Problem> ReadProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        var where = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}";
        response.StatusCode.ShouldBe(expected, $"{where}: {text}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", $"{where} answered {response.StatusCode} without problem details: {text}");
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        string? Str(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        var errors = new Dictionary<string, string[]>();
        if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in e.EnumerateObject()) errors[field.Name] = [.. field.Value.EnumerateArray().Select(x => x.GetString() ?? "")];
        }
        return new Problem(
            root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : null,
            Str("title"), Str("detail"), Str("code"),
            root.TryGetProperty("currentVersion", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null,
            errors, text);
    }

    public static string ETagOf(this HttpResponseMessage response) =>
        response.Headers.ETag?.ToString() ?? throw new ShouldAssertException($"{response.RequestMessage?.RequestUri} sent no ETag");

    // --- the incident API, one helper per route ---

    public static async Task<(IncidentDto Incident, HttpResponseMessage Response)> CreateIncidentAsync(this HttpClient client, Guid tenantId,
        string title = "Integration test incident", string severity = "Sev2", string? customerSummary = null)
    {
        var response = await client.PostJsonAsync($"/api/v1/tenants/{tenantId}/incidents", new { title, severity, customerSummary });
        return (await response.ReadAsync<IncidentDto>(HttpStatusCode.Created), response);
    }

    public static async Task<IncidentDto> GetIncidentAsync(this HttpClient client, Guid id)
    {
        using var response = await client.GetAsync($"/api/v1/incidents/{id}");
        return await response.ReadAsync<IncidentDto>();
    }

    public static async Task<TimelineDto[]> TimelineAsync(this HttpClient client, Guid id)
    {
        using var response = await client.GetAsync($"/api/v1/incidents/{id}/timeline");
        return await response.ReadAsync<TimelineDto[]>();
    }

    public static async Task<PageDto> ListAsync(this HttpClient client, string query = "")
    {
        using var response = await client.GetAsync($"/api/v1/incidents{(query.Length > 0 ? "?" + query : "")}");
        return await response.ReadAsync<PageDto>();
    }

    /// <summary>Every page of a listing, following page numbers until total is reached.</summary>
    public static async Task<List<IncidentDto>> ListAllAsync(this HttpClient client, string query = "")
    {
        var all = new List<IncidentDto>();
        for (var page = 1; ; page++)
        {
            var result = await client.ListAsync($"{query}{(query.Length > 0 ? "&" : "")}pageSize=200&page={page}");
            all.AddRange(result.Items);
            if (result.Items.Length == 0 || all.Count >= result.Total) return all;
        }
    }

    public static async Task<IncidentDto> ChangeStatusAsync(this HttpClient client, Guid id, string status, string? customerMessage = null, string? ifMatch = null)
    {
        using var response = await client.PostJsonAsync($"/api/v1/incidents/{id}/status", new { status, customerMessage }, ifMatch);
        return await response.ReadAsync<IncidentDto>();
    }

    public static async Task<IncidentDto> AcknowledgeAsync(this HttpClient client, Guid id)
    {
        using var response = await client.PostJsonAsync($"/api/v1/incidents/{id}/acknowledge", null);
        return await response.ReadAsync<IncidentDto>();
    }

    public static async Task<TimelineDto> AddNoteAsync(this HttpClient client, Guid id, string text, string visibility)
    {
        using var response = await client.PostJsonAsync($"/api/v1/incidents/{id}/notes", new { text, visibility });
        return await response.ReadAsync<TimelineDto>(HttpStatusCode.Created);
    }
}
