using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.IntegrationTests.Host;

namespace Portal.IntegrationTests.Hardening;

/// <summary>
/// The security headers on every kind of response: a page (with the nonce its scripts carry), the API (a success and an
/// error written by the exception handler), the hub's negotiate, a static file, the HTML error page; HSTS only outside Development.
/// </summary>
public sealed partial class SecurityHeadersTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string> FakeEntra = new()
    {
        ["AzureAd:Instance"] = "https://login.microsoftonline.com/",
        ["AzureAd:TenantId"] = "organizations",
        ["AzureAd:ClientId"] = "test",
    };

    private static void ShouldCarryTheCommonHeaders(HttpResponseMessage response)
    {
        var what = $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri!.PathAndQuery} ({(int)response.StatusCode})";
        Header(response, "X-Content-Type-Options").ShouldBe("nosniff", what);
        Header(response, "Referrer-Policy").ShouldBe("strict-origin-when-cross-origin", what);
        Header(response, "X-Frame-Options").ShouldBe("DENY", what);
        var permissions = Header(response, "Permissions-Policy");
        foreach (var closed in new[] { "camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()" }) permissions.ShouldContain(closed, customMessage: what);
        Header(response, "Content-Security-Policy").ShouldContain("frame-ancestors 'none'", customMessage: what);
    }

    /// <summary>What a JSON answer or a file gets: it may load and run nothing.</summary>
    private static void ShouldCarryTheNothingPolicy(HttpResponseMessage response) =>
        Header(response, "Content-Security-Policy").ShouldStartWith("default-src 'none'");

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : throw new ShouldAssertException($"{response.RequestMessage!.RequestUri!.PathAndQuery} answered without {name}");

    private Task<HttpClient> SignedInAsync(string email) => app.PageClientForAsync(email);

    [Fact]
    public async Task A_page_has_a_nonce_policy_without_unsafe_inline_and_its_scripts_carry_that_nonce()
    {
        using var maya = await SignedInAsync(DemoDirectory.Maya);
        using var first = await maya.GetAsync("/triage", Ct);
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        ShouldCarryTheCommonHeaders(first);
        var policy = Header(first, "Content-Security-Policy");
        policy.ShouldNotContain("unsafe-inline");
        policy.ShouldNotContain("unsafe-eval");
        foreach (var directive in new[] { "default-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'" })
            policy.ShouldContain(directive);
        // The hub's WebSocket on this host (TestServer's is localhost over http).
        policy.ShouldContain("connect-src 'self' ws://localhost");
        var nonce = Nonce().Match(policy).Groups[1].Value;
        nonce.Length.ShouldBeGreaterThanOrEqualTo(22, "16 random bytes");

        var html = await first.Content.ReadAsStringAsync(Ct);
        var scripts = ScriptTag().Matches(html);
        scripts.Count.ShouldBeGreaterThan(0, "the triage page is live: signalr.min.js and live.js");
        foreach (Match script in scripts) script.Value.ShouldContain($"nonce=\"{nonce}\"");

        using var second = await maya.GetAsync("/triage", Ct);
        Nonce().Match(Header(second, "Content-Security-Policy")).Groups[1].Value.ShouldNotBe(nonce, "a nonce is per response");
    }

    [Fact]
    public async Task The_API_answers_with_the_headers_on_success_and_on_an_error_the_exception_handler_writes()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using var status = await maya.GetAsync($"/api/v1/tenants/{app.Demo.TenantId(DemoDirectory.Northwind)}/status", Ct);
        status.StatusCode.ShouldBe(HttpStatusCode.OK);
        ShouldCarryTheCommonHeaders(status);
        ShouldCarryTheNothingPolicy(status);

        using var missing = await maya.GetAsync($"/api/v1/incidents/{Guid.NewGuid()}", Ct);
        await missing.ReadProblemAsync(HttpStatusCode.NotFound);
        ShouldCarryTheCommonHeaders(missing);
        ShouldCarryTheNothingPolicy(missing);
    }

    [Fact]
    public async Task The_hub_negotiate_answers_with_the_headers()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using var negotiate = await maya.PostAsync("/hubs/status/negotiate?negotiateVersion=1", null, Ct);
        negotiate.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await negotiate.Content.ReadAsStringAsync(Ct)).ShouldContain("connectionToken");
        ShouldCarryTheCommonHeaders(negotiate);
        ShouldCarryTheNothingPolicy(negotiate);
    }

    [Theory]
    [InlineData("/css/site.css")]
    [InlineData("/js/live.js")]
    [InlineData("/favicon.svg")]
    public async Task A_static_file_answers_with_the_headers(string path)
    {
        using var client = app.Anonymous();
        using var file = await client.GetAsync(path, Ct);
        file.StatusCode.ShouldBe(HttpStatusCode.OK);
        ShouldCarryTheCommonHeaders(file);
        ShouldCarryTheNothingPolicy(file);
    }

    /// <summary>Every page names its icon, which is served: a browser asking for /favicon.ico on each first load got a 404 (a console error).</summary>
    [Fact]
    public async Task A_page_names_its_icon_and_the_icon_is_served()
    {
        using var client = app.Anonymous();
        var page = await client.GetStringAsync("/signin", Ct);
        var href = System.Text.RegularExpressions.Regex.Match(page, "<link rel=\"icon\" href=\"(/favicon[^\"]*\\.svg)\" type=\"image/svg\\+xml\">").Groups[1].Value;
        href.ShouldNotBeEmpty("the layout names its icon");
        using var icon = await client.GetAsync(href, Ct);
        icon.StatusCode.ShouldBe(HttpStatusCode.OK);
        icon.Content.Headers.ContentType!.MediaType.ShouldBe("image/svg+xml");
    }

    [Fact]
    public async Task The_HTML_error_page_of_an_unknown_address_gets_the_page_policy()
    {
        using var client = app.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/no-such-page");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var response = await client.SendAsync(request, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        ShouldCarryTheCommonHeaders(response);
        Header(response, "Content-Security-Policy").ShouldContain("script-src 'self' 'nonce-");
    }

    [Fact]
    public async Task Development_sends_no_HSTS_even_over_https()
    {
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://portal.example/"), AllowAutoRedirect = false });
        using var file = await client.GetAsync("/css/site.css", Ct);
        file.StatusCode.ShouldBe(HttpStatusCode.OK);
        file.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
    }

    [Fact]
    public async Task Outside_Development_HSTS_lasts_a_year_cookies_are_secure_and_sign_out_may_go_on_to_Entra()
    {
        await using var production = new ProductionApp(FakeEntra);
        using var client = production.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://portal.example/"), AllowAutoRedirect = false });
        using (var file = await client.GetAsync("/css/site.css", Ct))
        {
            file.StatusCode.ShouldBe(HttpStatusCode.OK);
            Header(file, "Strict-Transport-Security").ShouldBe("max-age=31536000; includeSubDomains");
            ShouldCarryTheCommonHeaders(file);
        }

        // The sign-out page is anonymous and has a form: its antiforgery cookie is __Host- (Secure, Path=/), Strict and HttpOnly.
        using (var signOut = await client.GetAsync("/signout", Ct))
        {
            signOut.StatusCode.ShouldBe(HttpStatusCode.OK);
            var policy = Header(signOut, "Content-Security-Policy");
            policy.ShouldContain("form-action 'self' https://login.microsoftonline.com;");
            policy.ShouldContain("connect-src 'self' wss://portal.example");
            var cookie = signOut.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("__Host-portal.af=", StringComparison.Ordinal)).ToLowerInvariant();
            foreach (var attribute in new[] { "; secure", "; samesite=strict", "; httponly", "; path=/" }) cookie.ShouldContain(attribute);
        }

        // The sign-in cookie is only issued after Entra ID (no network here): its options are what the handler uses.
        var cookies = production.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme).Cookie;
        cookies.SecurePolicy.ShouldBe(CookieSecurePolicy.Always);
        cookies.HttpOnly.ShouldBeTrue();
        cookies.SameSite.ShouldBe(SameSiteMode.Lax);
    }


    /// <summary>
    /// The exception handler clears a failed response before it writes the problem details or the 500 page; HSTS, which
    /// UseHsts writes at once, must come back with the other headers (they are written just before the response starts).
    /// </summary>
    [Fact]
    public async Task Outside_Development_an_error_written_by_the_exception_handler_keeps_HSTS()
    {
        await using var production = new ProductionApp(FakeEntra);
        await using var failing = production.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IStartupFilter>(new Errors.FailingEndpoints())));
        using var client = failing.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://portal.example/"), AllowAutoRedirect = false });
        foreach (var (path, accept, type) in new[] { ("/api/test/boom", "application/json", "application/problem+json"), ("/test/boom", "text/html", "text/html") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.ParseAdd(accept);
            using var response = await client.SendAsync(request, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
            response.Content.Headers.ContentType!.MediaType.ShouldBe(type);
            Header(response, "Strict-Transport-Security").ShouldBe("max-age=31536000; includeSubDomains");
            ShouldCarryTheCommonHeaders(response);
        }

        // Plain http stays without it, as UseHsts decides.
        using var http = failing.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://portal.example/"), AllowAutoRedirect = false });
        using var plain = await http.GetAsync("/api/test/boom", Ct);
        plain.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        plain.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
    }

    [GeneratedRegex("'nonce-([A-Za-z0-9+/=_-]+)'")]
    private static partial Regex Nonce();

    [GeneratedRegex("<script\\b[^>]*>")]
    private static partial Regex ScriptTag();
}
