using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.IntegrationTests.Host;
using Portal.IntegrationTests.People;

namespace Portal.IntegrationTests.Hardening;

/// <summary>A second app on the same database: nothing of the first one's key ring in memory, as after a restart.</summary>
public sealed class SecondInstanceApp(string connectionString) : PortalApp(DbProvider.Sqlite, null, connectionString);

/// <summary>
/// The Data Protection key ring in the database is encrypted with a certificate kept outside it (in Development a
/// self-signed one beside the SQLite file), and another process with the certificate reads what the first one protected.
/// </summary>
public sealed class DataProtectionKeyTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Keys_in_the_database_are_encrypted_and_a_restarted_app_still_reads_the_sign_in_cookie()
    {
        // Signing in makes sure a key exists and protects the cookie with it.
        var cookie = await SignInCookieAsync(app, DemoDirectory.Maya);
        using var browser = app.Anonymous();
        browser.DefaultRequestHeaders.Add("Cookie", cookie);
        using (var before = await browser.GetAsync("/triage", Ct)) before.StatusCode.ShouldBe(HttpStatusCode.OK);

        var keys = await app.QueryAsync(db => db.DataProtectionKeys.AsNoTracking().Select(k => k.Xml).ToListAsync(Ct));
        keys.ShouldNotBeEmpty();
        foreach (var xml in keys)
        {
            xml.ShouldNotBeNull();
            xml.ShouldNotContain("<masterKey", Case.Sensitive, "a key's secret must not be stored readable");
            xml.ShouldContain("<encryptedSecret");
            xml.ShouldContain("<EncryptedData");
        }

        // The cookie, sent to a fresh instance on the same database: it must decrypt the key ring to accept it.
        await using var restarted = new SecondInstanceApp(app.ConnectionString);
        await restarted.InitializeAsync();
        using var sameBrowser = restarted.Anonymous();
        sameBrowser.DefaultRequestHeaders.Add("Cookie", cookie);
        using var after = await sameBrowser.GetAsync("/triage", Ct);
        after.StatusCode.ShouldBe(HttpStatusCode.OK, "the restarted app did not accept the sign-in cookie");
        (await after.Content.ReadAsStringAsync(Ct)).ShouldContain("Maya");
    }

    [Fact]
    public async Task Production_without_a_certificate_for_the_keys_refuses_to_start_and_says_why()
    {
        await using var production = new ProductionApp(new Dictionary<string, string>
        {
            ["AzureAd:Instance"] = "https://login.microsoftonline.com/",
            ["AzureAd:TenantId"] = "organizations",
            ["AzureAd:ClientId"] = "test",
            ["DataProtection:CertificatePath"] = "",
        });
        var exception = Should.Throw<Exception>(() => production.CreateClient());
        var messages = string.Join("\n", Chain(exception).Select(e => e.Message));
        messages.ShouldContain("DataProtection:KeyVault:Uri");
        messages.ShouldContain("DataProtection:CertificatePath");
    }

    [Fact]
    public async Task Production_with_a_certificate_file_encrypts_its_keys_with_it()
    {
        await using var production = new ProductionApp(new Dictionary<string, string>
        {
            ["AzureAd:Instance"] = "https://login.microsoftonline.com/",
            ["AzureAd:TenantId"] = "organizations",
            ["AzureAd:ClientId"] = "test",
        });
        // Protecting anything creates the first key of the ring.
        var protector = production.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test");
        protector.Unprotect(protector.Protect("x")).ShouldBe("x");
        await using var scope = production.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Portal.Data.TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<Portal.Data.PortalDbContext>();
        var xml = await db.DataProtectionKeys.AsNoTracking().Select(k => k.Xml).ToListAsync(Ct);
        xml.ShouldNotBeEmpty();
        xml.ShouldAllBe(x => x != null && x.Contains("<encryptedSecret") && !x.Contains("<masterKey"));
    }

    [Fact]
    public async Task A_replaced_certificate_file_still_decrypts_the_keys_it_protected_when_named_as_the_previous_one()
    {
        using var database = new TempSqliteFile();
        var file = database.Path;
        string protectedBefore;
        await using (var before = new BootstrapApp(file, new Dictionary<string, string>()))
        {
            protectedBefore = Protector(before).Protect("kept");
        }

        var replacement = TestCertificate.Create();
        var replaced = new Dictionary<string, string>
        {
            ["DataProtection:CertificatePath"] = replacement,
            ["DataProtection:CertificatePassword"] = TestCertificate.Password,
        };
        await using (var withoutPrevious = new BootstrapApp(file, replaced))
        {
            Should.Throw<System.Security.Cryptography.CryptographicException>(() => Protector(withoutPrevious).Unprotect(protectedBefore),
                "the key ring is encrypted with the old certificate, which this app does not have");
        }
        replaced["DataProtection:PreviousCertificatePath"] = TestCertificate.FilePath;
        replaced["DataProtection:PreviousCertificatePassword"] = TestCertificate.Password;
        await using (var withPrevious = new BootstrapApp(file, replaced))
        {
            Protector(withPrevious).Unprotect(protectedBefore).ShouldBe("kept");
        }
        TempFiles.Delete(replacement);
    }

    private static IDataProtector Protector(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> app) =>
        app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("replacement test");

    /// <summary>The development sign-in page, by hand: the sign-in cookie as a Cookie header value.</summary>
    private static async Task<string> SignInCookieAsync(PortalApp portal, string email)
    {
        using var client = portal.Anonymous();
        using var page = await client.GetAsync("/signin", Ct);
        var antiforgery = string.Join("; ", CookiesOf(page));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["userId"] = portal.Demo.User(email).Id.ToString(),
                ["__RequestVerificationToken"] = PeopleSteps.AntiforgeryTokenOf(await page.Content.ReadAsStringAsync(Ct)),
            }),
        };
        request.Headers.Add("Cookie", antiforgery);
        using var response = await client.SendAsync(request, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var signIn = CookiesOf(response).Where(c => c.StartsWith("portal.dev", StringComparison.Ordinal)).ToList();
        signIn.ShouldNotBeEmpty("no sign-in cookie was set");
        return string.Join("; ", signIn);
    }

    private static IEnumerable<string> CookiesOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]) : [];

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException) yield return x;
    }
}
