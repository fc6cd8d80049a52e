using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Portal.Benchmarks.Fanout;

namespace Portal.Benchmarks;

/// <summary>A demo user as the harness needs it: Portal's user id, the token's tid + oid, a bearer token.</summary>
public sealed record DemoUser(Guid Id, string Name, string Email, Guid EntraTenantId, Guid EntraObjectId, string AccessToken);

/// <summary>
/// The wrk host: starts Portal on a free loopback port, prepares the status scenario (tokens, cookie,
/// baseline bytes fetched through Portal itself), writes the URLs and headers for bench.sh, and waits.
/// </summary>
public static class HostMode
{
    public const string CustomerEmail = "olivia@northwindairways.example";
    public const string TenantName = "Northwind Airways";
    public const string MspEmail = "maya@harborit.example";

    public static async Task<int> RunAsync(HostOptions options)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

        var started = DateTime.UtcNow;
        using var host = PortalHost.StartOnKestrel(options.Port);
        var baseAddress = host.BaseAddress;
        Console.WriteLine($"Portal listening on {baseAddress} (started in {(DateTime.UtcNow - started).TotalSeconds:0.0} s)");

        var cookies = new CookieContainer();
        using var handler = new SocketsHttpHandler { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var info = new List<(string Key, string Value)> { ("BENCH_BASE", baseAddress.ToString().TrimEnd('/')), ("TELEMETRY", Telemetry()) };

        // Scenario 2: the bare hub and the fan-out control endpoints, in this process on a listener of their own.
        using var marks = options.Fanout ? ServerMarks.Start() : null;
        await using var bareHub = marks is not null ? await BareHubServer.StartAsync(host.Services, marks) : null;
        if (bareHub is not null)
        {
            Console.WriteLine($"Bare hub listening on {bareHub.BaseAddress}");
            info.Add(("BARE_HUB_BASE", bareHub.BaseAddress.ToString().TrimEnd('/')));
        }
        try
        {
            var ct = stop.Token;
            var customer = await DemoUserAsync(client, CustomerEmail, ct);
            var msp = await DemoUserAsync(client, MspEmail, ct);
            var tenantId = await TenantIdAsync(client, customer, ct);
            info.Add(("BENCH_TENANT_ID", tenantId.ToString()));

            // JSON: Portal's bytes for the tenant, fetched once with the customer's token.
            var jsonPath = $"/api/v1/tenants/{tenantId}/status";
            var jsonHeader = $"Authorization: Bearer {customer.AccessToken}";
            var json = await FetchAsync(client, jsonPath, customer.AccessToken, cookieHeader: null, ct);
            host.Baselines.Json = json;
            await VerifyHeaderWorksAsync(baseAddress, jsonPath, jsonHeader, ct);
            info.Add(("BARE_JSON_URL", new Uri(baseAddress, "bench/bare-json").ToString()));
            info.Add(("PORTAL_JSON_URL", new Uri(baseAddress, jsonPath.TrimStart('/')).ToString()));
            info.Add(("PORTAL_JSON_HEADER", jsonHeader));
            info.Add(("JSON_BYTES", json.Body.Length.ToString(CultureInfo.InvariantCulture)));

            // Page: the customer's cookie from the sign-in page, then the page's bytes, fetched once.
            var pagePath = $"/status/{tenantId}";
            var (pageState, pageNote) = await PreparePageAsync(host, client, cookies, baseAddress, customer, pagePath, ct);
            info.Add(("PAGE_STATE", pageState));
            info.Add(("PAGE_NOTE", pageNote));
            if (pageState == "ok")
            {
                var cookieHeader = $"Cookie: {cookies.GetCookieHeader(baseAddress)}";
                await VerifyHeaderWorksAsync(baseAddress, pagePath, cookieHeader, ct);
                info.Add(("BARE_PAGE_URL", new Uri(baseAddress, "bench/bare-page").ToString()));
                info.Add(("PORTAL_PAGE_URL", new Uri(baseAddress, pagePath.TrimStart('/')).ToString()));
                info.Add(("PORTAL_PAGE_HEADER", cookieHeader));
                info.Add(("PAGE_BYTES", host.Baselines.Page!.Body.Length.ToString(CultureInfo.InvariantCulture)));
            }
            else
            {
                Console.WriteLine($"PAGE SCENARIO SKIPPED: {pageNote}");
            }

            // Changes: a customer-visible update by the tenant's MSP engineer, through the normal API.
            var incidentId = FirstIncidentId(json.Body);
            host.Baselines.MakeChange = ChangeMaker(baseAddress, msp, incidentId);
            info.Add(("COUNTERS_URL", new Uri(baseAddress, "bench/counters").ToString()));
            info.Add(("CHANGE_URL", new Uri(baseAddress, "bench/change").ToString()));
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or JsonException)
        {
            await Console.Error.WriteLineAsync($"Could not prepare the status scenario: {e.Message}");
            return 2;
        }

        info.Add(("BENCH_READY", "1"));
        // With --info the headers (credentials, valid for 8 hours on this host only) stay in the file.
        foreach (var (key, value) in info)
            Console.WriteLine($"{key}={(options.InfoFile is not null && key.EndsWith("_HEADER", StringComparison.Ordinal) ? Shorten(value) : value)}");
        if (options.InfoFile is { } file) await WriteInfoFileAsync(file, info);

        try
        {
            await Task.Delay(options.Duration ?? Timeout.InfiniteTimeSpan, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM / Ctrl+C: stop cleanly.
        }
        Console.WriteLine("Portal benchmark host stopping.");
        return 0;
    }

    private static async Task<DemoUser> DemoUserAsync(HttpClient client, string email, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync("dev/token", new { email }, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /dev/token for {email} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var token = body.RootElement.GetProperty("accessToken").GetString()!;
        var userId = body.RootElement.GetProperty("userId").GetGuid();
        var jwt = new JsonWebToken(token);
        return new DemoUser(userId, jwt.GetClaim("name").Value, email,
            Guid.Parse(jwt.GetClaim("tid").Value), Guid.Parse(jwt.GetClaim("oid").Value), token);
    }

    private static async Task<Guid> TenantIdAsync(HttpClient client, DemoUser customer, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", customer.AccessToken);
        using var response = await client.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        using var me = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        foreach (var tenant in me.RootElement.GetProperty("tenants").EnumerateArray())
        {
            if (tenant.GetProperty("name").GetString() == TenantName) return tenant.GetProperty("tenantId").GetGuid();
        }
        throw new InvalidOperationException($"{customer.Email} reaches no tenant named {TenantName} (GET /api/v1/me).");
    }

    private static async Task<BaselineResponse> FetchAsync(HttpClient client, string path, string? bearer, string? cookieHeader, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (cookieHeader is not null) request.Headers.Add("Cookie", cookieHeader);
        using var response = await client.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode} {response.Headers.Location}");
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        return new BaselineResponse(body,
            response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream",
            response.Headers.ETag?.ToString(),
            response.Headers.CacheControl?.ToString());
    }

    private static async Task<(string State, string Note)> PreparePageAsync(PortalHost host, HttpClient client, CookieContainer cookies, Uri baseAddress, DemoUser customer, string pagePath, CancellationToken ct)
    {
        var signIn = await PageSignIn.SignInAsync(client, cookies, baseAddress, customer, host.Services, ct);
        var how = signIn.Method == "signin-form"
            ? $"cookie from the sign-in form ({signIn.Detail})"
            : $"cookie issued with Portal's cookie protector because the sign-in form could not be used: {signIn.Detail}";
        Console.WriteLine($"Page auth: {how}");

        using var response = await client.GetAsync(pagePath.TrimStart('/'), ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return ("missing", $"GET {pagePath} answered 404: the status page (Features/CustomerStatus/Status.cshtml) is missing, or it does not show {TenantName} to its customer; only the JSON scenario runs. Page auth used a {how}.");
        if (response.StatusCode != HttpStatusCode.OK)
            return ("failed", $"GET {pagePath} with the customer's cookie answered {(int)response.StatusCode} {response.Headers.Location}; page auth used a {how}.");
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType != "text/html")
            return ("failed", $"GET {pagePath} answered {mediaType}, not text/html.");

        var body = await response.Content.ReadAsByteArrayAsync(ct);
        host.Baselines.Page = new BaselineResponse(body, response.Content.Headers.ContentType!.ToString(), response.Headers.ETag?.ToString(), response.Headers.CacheControl?.ToString());
        return ("ok", $"page auth: {how}");
    }

    /// <summary>Exactly what wrk will send works (200, no redirect to /signin): a 401 or 302 is faster than any real answer and would flatter Portal.</summary>
    private static async Task VerifyHeaderWorksAsync(Uri baseAddress, string path, string header, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        var colon = header.IndexOf(':', StringComparison.Ordinal);
        request.Headers.TryAddWithoutValidation(header[..colon], header[(colon + 1)..].Trim());
        using var response = await client.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {path} with the header given to wrk answered {(int)response.StatusCode}, not 200.");
    }

    private static Guid FirstIncidentId(byte[] statusJson)
    {
        using var status = JsonDocument.Parse(statusJson);
        foreach (var incident in status.RootElement.GetProperty("incidents").EnumerateArray())
        {
            return incident.GetProperty("id").GetGuid();
        }
        throw new InvalidOperationException("The tenant's status lists no incident to change.");
    }

    private static Func<CancellationToken, Task<int>> ChangeMaker(Uri baseAddress, DemoUser msp, Guid incidentId)
    {
        var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", msp.AccessToken);
        var count = 0;
        return async ct =>
        {
            var n = Interlocked.Increment(ref count);
            using var response = await client.PostAsJsonAsync($"api/v1/incidents/{incidentId}/notes",
                new { text = $"Benchmark update {n}: 40 more devices restored.", visibility = "Customer" }, ct);
            return (int)response.StatusCode;
        };
    }

    /// <summary>
    /// Whether anything in this process listens to Portal's request telemetry once the host has started (OpenTelemetry's
    /// tracer and meter providers subscribe by source and meter name): a listener on ASP.NET Core's activity source means
    /// every request creates an Activity; one on its request-duration instrument means every request is measured. Plus
    /// the OTEL_* variables set, as a hint of what an exporter would do. Both listeners cost time on every request.
    /// </summary>
    private static string Telemetry()
    {
        using var source = new System.Diagnostics.ActivitySource("Microsoft.AspNetCore");
        using var meter = new System.Diagnostics.Metrics.Meter("Microsoft.AspNetCore.Hosting");
        var traced = source.HasListeners();
        var measured = meter.CreateHistogram<double>("http.server.request.duration").Enabled;
        var otel = Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        return $"{(traced || measured ? "on" : "off")} (ASP.NET Core request tracing: {(traced ? "listened to" : "no listener")}, " +
            $"request metrics: {(measured ? "listened to" : "no listener")}; OTEL_* variables: {(otel.Count == 0 ? "none" : string.Join(" ", otel))})";
    }

    private static async Task WriteInfoFileAsync(string file, List<(string Key, string Value)> info)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in info) text.Append(key).Append("='").Append(value.Replace("'", "'\\''", StringComparison.Ordinal)).Append("'\n");
        var temp = file + ".tmp";
        await File.WriteAllTextAsync(temp, text.ToString());
        File.Move(temp, file, overwrite: true);
    }

    private static string Shorten(string header) => header.Length <= 60 ? header : $"{header[..50]}...({header.Length} chars, full value in the info file)";
}

public sealed record HostOptions(int Port, string? InfoFile, TimeSpan? Duration, bool Fanout);
