using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain;

namespace Portal.IntegrationTests.Errors;

/// <summary>
/// Failures the product itself never causes on purpose, added by the test only (no trigger exists in the product):
/// GET /test/boom and /api/test/boom throw an unexpected exception, /test/missing and /api/test/missing a NotFoundException
/// that escapes unhandled. They answer after the app's own endpoints, inside its exception handler and status code pages.
/// </summary>
public sealed class FailingEndpoints : IStartupFilter
{
    /// <summary>The trace id each failure had where it was thrown, i.e. the one the server side knows it by.</summary>
    public ConcurrentQueue<string> TraceIds { get; } = new();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        next(app);
        foreach (var prefix in new[] { "", "/api" })
        {
            app.Map($"{prefix}/test/boom", b => b.Run(context =>
            {
                TraceIds.Enqueue(Activity.Current?.Id ?? context.TraceIdentifier);
                throw new InvalidOperationException("Test-only failure with internals: connection string secret=42");
            }));
            app.Map($"{prefix}/test/missing", b => b.Run(_ => throw new NotFoundException("incident", Guid.Empty)));
        }
    };
}

public sealed class ErrorPagesApp() : PortalApp(DbProvider.Sqlite, null)
{
    public FailingEndpoints Failing { get; } = new();

    public Hardening.CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IStartupFilter>(Failing);
            services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);
        });
    }
}

/// <summary>HTML status pages for browsers on page paths; problem details, exactly as before, for the API, the hub and JSON clients.</summary>
public sealed class ErrorResponseTests(ErrorPagesApp app) : IClassFixture<ErrorPagesApp>
{
    /// <summary>What Chromium sends when it navigates.</summary>
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? accept, HttpClient? client = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (accept is not null) request.Headers.Accept.ParseAdd(accept);
        if (client is not null) return await client.SendAsync(request, Ct);
        using var anonymous = app.Anonymous();
        return await anonymous.SendAsync(request, Ct);
    }

    private static async Task<string> ReadHtmlAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var html = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(expected, html);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/html", html);
        html.ShouldContain("<header class=\"top\">"); // in the layout
        response.Headers.CacheControl?.NoStore.ShouldBe(true);
        return html;
    }

    [Fact]
    public async Task A_browser_asking_for_an_unknown_page_gets_the_not_found_page_with_404()
    {
        using var response = await SendAsync(HttpMethod.Get, "/nonexistent", BrowserAccept);
        var html = await ReadHtmlAsync(response, HttpStatusCode.NotFound);
        html.ShouldContain("<h1>Page not found</h1>");
        html.ShouldContain("href=\"/signin\"");
    }

    /// <summary>
    /// Signed in, the layout carries the sign-out form and its antiforgery token: the status page asks for what antiforgery
    /// wants anyway (no-cache, no-store), so no warning is logged for every error a signed-in user meets.
    /// </summary>
    [Fact]
    public async Task A_signed_in_users_error_page_is_not_stored_and_logs_no_cache_header_warning()
    {
        using var maya = await app.PageClientForAsync(DemoDirectory.Maya);
        using var response = await SendAsync(HttpMethod.Get, "/nonexistent", BrowserAccept, maya);
        var html = await ReadHtmlAsync(response, HttpStatusCode.NotFound);
        html.ShouldContain("action=\"/signout\"", customMessage: "the layout of a signed-in user, with its form");
        response.Headers.CacheControl.ShouldNotBeNull().NoCache.ShouldBeTrue();
        app.Logs.Lines.Where(l => l.Contains("Microsoft.AspNetCore.Antiforgery", StringComparison.Ordinal) && l.Contains("overridden", StringComparison.Ordinal))
            .ShouldBeEmpty();
    }

    /// <summary>
    /// The status page is re-executed with the request's own method: a POST must reach it (no handler for POST, no
    /// antiforgery refusal). An unknown address answers a POST with 405 here (the static assets' fallback route takes GET only).
    /// </summary>
    [Fact]
    public async Task A_post_to_an_unknown_page_gets_a_status_page_too_not_an_antiforgery_refusal()
    {
        using var response = await SendAsync(HttpMethod.Post, "/nonexistent", BrowserAccept);
        var html = await ReadHtmlAsync(response, HttpStatusCode.NotFound);
        html.ShouldContain("<h1>Page not found</h1>");
    }

    [Fact]
    public async Task A_direct_request_for_an_error_page_is_an_unknown_address()
    {
        foreach (var path in new[] { "/error/500", "/error/403", "/error/999" })
        {
            using var response = await SendAsync(HttpMethod.Get, path, BrowserAccept);
            var html = await ReadHtmlAsync(response, HttpStatusCode.NotFound);
            html.ShouldContain("<h1>Page not found</h1>", customMessage: path);
            html.ShouldNotContain("Something went wrong", customMessage: path);
        }
    }

    [Fact]
    public async Task A_failure_behind_a_page_shows_the_500_page_with_the_servers_trace_id_and_no_internals()
    {
        using var response = await SendAsync(HttpMethod.Get, "/test/boom", BrowserAccept);
        var html = await ReadHtmlAsync(response, HttpStatusCode.InternalServerError);
        html.ShouldContain("<h1>Something went wrong on our side</h1>");
        html.ShouldNotContain("secret=42");
        html.ShouldNotContain(nameof(InvalidOperationException));
        var shown = System.Text.RegularExpressions.Regex.Match(html, "<code class=\"trace-id\">([^<]+)</code>").Groups[1].Value;
        shown.ShouldNotBeNullOrWhiteSpace();
        app.Failing.TraceIds.ShouldContain(shown);
    }

    [Fact]
    public async Task A_user_error_escaping_a_page_keeps_its_status_on_the_page()
    {
        using var response = await SendAsync(HttpMethod.Get, "/test/missing", BrowserAccept);
        var html = await ReadHtmlAsync(response, HttpStatusCode.NotFound);
        html.ShouldContain("<h1>Page not found</h1>");
    }

    [Fact]
    public async Task A_client_asking_a_page_path_for_json_gets_problem_details_as_before()
    {
        foreach (var accept in new[] { "application/json", "application/problem+json", "text/html, application/json", null })
        {
            using var missing = await SendAsync(HttpMethod.Get, "/nonexistent", accept);
            var problem = await missing.ReadProblemAsync(HttpStatusCode.NotFound);
            problem.Raw.ShouldContain("traceId", customMessage: accept);

            using var boom = await SendAsync(HttpMethod.Get, "/test/boom", accept);
            (await boom.ReadProblemAsync(HttpStatusCode.InternalServerError)).Title.ShouldBe("Something went wrong on our side", customMessage: accept);
        }
    }

    [Fact]
    public async Task The_api_answers_problem_details_even_to_a_client_that_asks_for_html()
    {
        foreach (var accept in new[] { "text/html", BrowserAccept, "application/json" })
        {
            using var missing = await SendAsync(HttpMethod.Get, "/api/v1/nonexistent", accept);
            var notFound = await missing.ReadProblemAsync(HttpStatusCode.NotFound);
            notFound.Title.ShouldBe("Not Found", customMessage: accept);
            using (var document = JsonDocument.Parse(notFound.Raw))
            {
                document.RootElement.GetProperty("traceId").GetString().ShouldNotBeNullOrWhiteSpace(accept);
                document.RootElement.GetProperty("type").GetString().ShouldNotBeNullOrWhiteSpace(accept);
            }

            using var boom = await SendAsync(HttpMethod.Get, "/api/test/boom", accept);
            var failure = await boom.ReadProblemAsync(HttpStatusCode.InternalServerError);
            failure.Title.ShouldBe("Something went wrong on our side", customMessage: accept);
            failure.Raw.ShouldNotContain("secret=42");

            using var escaped = await SendAsync(HttpMethod.Get, "/api/test/missing", accept);
            (await escaped.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such incident", customMessage: accept);

            using var anonymous = await SendAsync(HttpMethod.Get, "/api/v1/incidents", accept);
            await anonymous.ReadProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task The_hub_answers_problem_details_to_a_browser_too()
    {
        using var response = await SendAsync(HttpMethod.Get, "/hubs/nonexistent", BrowserAccept);
        await response.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Api_errors_a_browser_triggers_keep_their_codes()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        foreach (var accept in new[] { "text/html", BrowserAccept })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/incidents/" + Guid.NewGuid() + "/status")
            {
                Content = new StringContent("""{"status":"Nonsense"}""", MediaTypeHeaderValue.Parse("application/json")),
            };
            request.Headers.Accept.ParseAdd(accept);
            using var response = await maya.SendAsync(request, Ct);
            var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
            problem.Detail.ShouldNotBeNull().ShouldContain("status", customMessage: accept);
        }
    }
}
