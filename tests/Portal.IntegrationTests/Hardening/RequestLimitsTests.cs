using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Portal.IntegrationTests.Live;

namespace Portal.IntegrationTests.Hardening;

/// <summary>
/// Portal on a real Kestrel socket (TestServer enforces neither body sizes nor data rates), with an import limit small
/// enough to cross and a minimum body rate a test can wait out.
/// </summary>
public sealed class LimitsApp() : LiveApp(DbProvider.Sqlite, null)
{
    public const long ImportMaxBytes = 200_000;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Remediation:Import:MaxBytes", ImportMaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("RequestLimits:MinBodyBytesPerSecond", "100");
        builder.UseSetting("RequestLimits:MinBodyRateGracePeriod", "00:00:02");
    }
}

/// <summary>Body limits per route (JSON small, bulk updates and imports larger but bounded) and a slow body cut off.</summary>
public sealed class RequestLimitsTests(LimitsApp app) : IClassFixture<LimitsApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const int JsonLimit = 64 * 1024;

    /// <summary>
    /// Each use its own client, so its own connections: Kestrel closes a connection after refusing a body, and a shared
    /// client could hand that closed connection to the next request ("the response ended prematurely", seen once).
    /// </summary>
    private async Task<HttpClient> MayaAsync() =>
        app.ClientWithToken((await app.ClientForAsync(DemoDirectory.Maya)).DefaultRequestHeaders.Authorization!.Parameter!);

    private async Task<Guid> IncidentAsync(string title)
    {
        using var maya = await MayaAsync();
        return (await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), title)).Incident.Id;
    }

    [Fact]
    public async Task A_JSON_body_over_the_limit_is_413_problem_details_and_one_under_it_is_read()
    {
        using var maya = await MayaAsync();
        var incident = await IncidentAsync("Body limits: notes");

        // Under the limit but over the note's length: read, and refused by the validator (400), not by size.
        using (var readable = await maya.PostJsonAsync($"/api/v1/incidents/{incident}/notes", new { text = new string('a', JsonLimit - 1024), visibility = "Internal" }))
        {
            var problem = await readable.ReadProblemAsync(HttpStatusCode.BadRequest);
            problem.Errors.ShouldContainKey("text");
        }

        using var tooLarge = await maya.PostJsonAsync($"/api/v1/incidents/{incident}/notes", new { text = new string('a', JsonLimit + 1), visibility = "Internal" });
        var refused = await tooLarge.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        refused.Title.ShouldBe("Request too large");
        refused.Detail.ShouldNotBeNull().ShouldContain(JsonLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await app.TimelineTextsAsync(incident)).ShouldNotContain(t => t.StartsWith("aaaa", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_JSON_body_over_the_limit_sent_without_a_length_is_413_as_well()
    {
        using var maya = await MayaAsync();
        var incident = await IncidentAsync("Body limits: chunked");
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { text = new string('a', JsonLimit * 2), visibility = "Internal" }));
        using var content = new StreamContent(new MemoryStream(body)); // no Content-Length: sent chunked
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await maya.PostAsync($"/api/v1/incidents/{incident}/notes", content, Ct);
        (await response.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Title.ShouldBe("Request too large");
    }

    [Fact]
    public async Task A_bulk_update_may_be_larger_than_a_JSON_body()
    {
        using var maya = await MayaAsync();
        var incident = await IncidentAsync("Body limits: bulk");
        // 3,000 items of 100-character external ids: about 350 KB, over the JSON limit and well under the bulk one.
        var items = Enumerable.Range(0, 3_000).Select(i => new { externalId = $"{i:D6}".PadRight(100, 'x') }).ToArray();
        using var response = await maya.PostJsonAsync($"/api/v1/incidents/{incident}/tasks/bulk-state", new { state = "Done", items });
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        JsonDocument.Parse(text).RootElement.GetProperty("notFound").GetInt32().ShouldBe(3_000);
    }

    [Fact]
    public async Task An_import_may_be_larger_than_a_JSON_body_up_to_its_own_limit_and_is_refused_past_it()
    {
        using var maya = await MayaAsync();
        var incident = await IncidentAsync("Body limits: import");
        static string Csv(long bytes)
        {
            var csv = new StringBuilder("hostname\n");
            for (var i = 0; csv.Length < bytes; i++) csv.Append("limits-host-").Append(i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            return csv.ToString();
        }

        using (var accepted = await maya.SendRawAsync(HttpMethod.Post, $"/api/v1/incidents/{incident}/device-imports?fileName=big.csv", Csv(100_000), "text/csv"))
            accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync(Ct));

        using var refused = await maya.SendRawAsync(HttpMethod.Post, $"/api/v1/incidents/{incident}/device-imports?fileName=huge.csv", Csv(LimitsApp.ImportMaxBytes + 1_000), "text/csv");
        var problem = await refused.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        problem.Code.ShouldBe("file_too_large");
    }

    /// <summary>
    /// A client that sends its body a byte at a time (a slowloris on the body) holds the connection only until Kestrel's
    /// minimum data rate (here 100 B/s after 2 s) is missed: it is answered 408 or closed, long before the body could finish.
    /// </summary>
    [Fact]
    public async Task A_body_that_trickles_in_is_cut_off()
    {
        var token = await app.TokenForAsync(DemoDirectory.Maya);
        var incident = await IncidentAsync("Body limits: slow");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(app.ServerAddress.Host, app.ServerAddress.Port, Ct);
        var stream = tcp.GetStream();
        const int length = 10_000;
        var head = $"POST /api/v1/incidents/{incident}/notes HTTP/1.1\r\nHost: {app.ServerAddress.Authority}\r\nAuthorization: Bearer {token}\r\n" +
                   $"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{\"text\":\"";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Ct);

        var clock = Stopwatch.StartNew();
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        var read = stream.ReadAsync(buffer, Ct).AsTask();
        var closed = false;
        // One byte every 200 ms (5 B/s) for at most 60 s; a body this slow would take over half an hour.
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (await Task.WhenAny(read, Task.Delay(200, Ct)) == read)
            {
                var n = await read;
                if (n == 0) { closed = true; break; }
                answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
                read = stream.ReadAsync(buffer, Ct).AsTask();
                continue;
            }
            try
            {
                await stream.WriteAsync("a"u8.ToArray(), Ct);
            }
            catch (IOException)
            {
                closed = true; // the server has closed (reset) the connection
                break;
            }
        }
        var elapsed = clock.Elapsed;
        var text = answer.ToString();
        (closed || text.StartsWith("HTTP/1.1 408", StringComparison.Ordinal)).ShouldBeTrue($"after {elapsed}: {text}");
        if (text.Length > 0) text.ShouldStartWith("HTTP/1.1 408");
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30));
        (await app.TimelineTextsAsync(incident)).ShouldNotContain(t => t.StartsWith("aaaa", StringComparison.Ordinal));
    }
}

file static class TimelineReads
{
    public static Task<List<string>> TimelineTextsAsync(this PortalApp app, Guid incidentId) => app.QueryAsync(db =>
        Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
            db.TimelineEntries.Where(t => t.IncidentId == incidentId).Select(t => t.Text)));
}
