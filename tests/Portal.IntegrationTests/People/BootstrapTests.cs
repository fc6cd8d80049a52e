using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Portal.Data;
using Portal.Domain;

namespace Portal.IntegrationTests.People;

/// <summary>
/// Portal in Production on a database of its own (no demo data), with the first platform administrators from configuration.
/// Entra ID is not reachable here: the test swaps only the bearer pipeline's signing key and issuer (as Development does) and
/// signs tokens with the claims Entra would send.
/// </summary>
public sealed class BootstrapApp(string file, IReadOnlyDictionary<string, string> settings, ILoggerProvider? logs = null) : WebApplicationFactory<Program>
{
    public const string Issuer = "https://login.test/bootstrap";
    public const string Audience = "bootstrap-test";
    private static readonly RsaSecurityKey Key = new(RSA.Create(2048)) { KeyId = "bootstrap-test" };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("ConnectionStrings:Portal", $"Data Source={file}");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("AzureAd:Instance", "https://login.microsoftonline.com/");
        builder.UseSetting("AzureAd:TenantId", "organizations");
        builder.UseSetting("AzureAd:ClientId", Audience);
        foreach (var (key, value) in TestCertificate.Settings) builder.UseSetting(key, value);
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        if (logs is not null) builder.ConfigureTestServices(services => services.AddSingleton(logs));
        builder.ConfigureTestServices(services => services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).PostConfigure(o =>
        {
            var configuration = new OpenIdConnectConfiguration { Issuer = Issuer };
            configuration.SigningKeys.Add(Key);
            o.Configuration = configuration;
            o.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
            o.TokenValidationParameters.ValidIssuer = Issuer;
            o.TokenValidationParameters.IssuerValidator = null;
            o.TokenValidationParameters.IssuerSigningKey = Key;
            o.TokenValidationParameters.ValidAudiences = [Audience];
        }));
    }

    public HttpClient As(Guid tid, Guid oid, string? email = null)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("tid", tid.ToString()), new("oid", oid.ToString()), new("name", "Someone"), new("scp", "Portal.Access") };
        if (email is not null) claims.Add(new Claim("preferred_username", email));
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer, Audience = Audience, IssuedAt = now, NotBefore = now, Expires = now.AddHours(1),
            Subject = new ClaimsIdentity(claims), SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.RsaSha256),
        });
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<T> QueryAsync<T>(Func<PortalDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        return await query(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }
}

public sealed class BootstrapTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _file = TempFiles.NewPath("portal-bootstrap");

    private static readonly Guid OpsTenant = Guid.NewGuid();
    private static readonly Guid AdminObject = Guid.NewGuid();

    private static Dictionary<string, string> Settings(string invitedEmail) => new()
    {
        ["Portal:Bootstrap:PlatformAdmins:0:EntraTenantId"] = OpsTenant.ToString(),
        ["Portal:Bootstrap:PlatformAdmins:0:ObjectId"] = AdminObject.ToString(),
        ["Portal:Bootstrap:PlatformAdmins:0:DisplayName"] = "First Admin",
        ["Portal:Bootstrap:PlatformAdmins:1:EntraTenantId"] = OpsTenant.ToString(),
        ["Portal:Bootstrap:PlatformAdmins:1:Email"] = invitedEmail,
    };

    [Fact]
    public async Task A_production_start_admits_the_configured_administrators_and_nobody_else_and_a_restart_adds_nothing()
    {
        const string invited = "Second.Admin@Ops.Example";
        await using (var app = new BootstrapApp(_file, Settings(invited)))
        {
            // Nothing but the platform organisation: no demo data outside Development.
            (await app.QueryAsync(db => db.Organisations.Select(o => o.Kind).ToListAsync())).ShouldBe([OrganisationKind.Platform]);
            (await app.QueryAsync(db => db.Incidents.CountAsync())).ShouldBe(0);

            using (var admin = app.As(OpsTenant, AdminObject))
            using (var organisations = await admin.GetAsync("/api/v1/organisations", Ct))
            {
                var text = await organisations.Content.ReadAsStringAsync(Ct);
                organisations.StatusCode.ShouldBe(HttpStatusCode.OK, text);
                text.ShouldContain("Portal Operations");
            }
            // Someone else of the same Entra tenant: 403.
            using (var colleague = app.As(OpsTenant, Guid.NewGuid(), "colleague@ops.example"))
            {
                (await colleague.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            }
            // The email-bound administrator signing in from another Entra tenant: refused, and nothing bound.
            using (var elsewhere = app.As(Guid.NewGuid(), Guid.NewGuid(), "second.admin@ops.example"))
            {
                (await elsewhere.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            }
            (await app.QueryAsync(db => db.Users.CountAsync())).ShouldBe(1);
            // From the configured tenant with that email: bound at the first sign-in, a platform administrator.
            using (var second = app.As(OpsTenant, Guid.NewGuid(), "second.admin@ops.example"))
            using (var organisations = await second.GetAsync("/api/v1/organisations", Ct))
            {
                organisations.StatusCode.ShouldBe(HttpStatusCode.OK);
            }
        }

        // A restart with the same configuration adds nothing.
        await using (var again = new BootstrapApp(_file, Settings(invited)))
        {
            (await again.QueryAsync(db => db.Organisations.CountAsync())).ShouldBe(1);
            (await again.QueryAsync(db => db.Users.CountAsync())).ShouldBe(2);
            (await again.QueryAsync(db => db.Invitations.CountAsync())).ShouldBe(1);
            using var admin = again.As(OpsTenant, AdminObject);
            (await admin.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A_production_start_with_nobody_to_administer_it_says_so_and_a_configured_one_does_not()
    {
        var logs = new Portal.IntegrationTests.Hardening.CapturedLogs();
        await using (var bare = new BootstrapApp(_file, new Dictionary<string, string>(), logs))
        {
            bare.CreateClient().Dispose();
            logs.Lines.ShouldContain(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("No platform administrator", StringComparison.Ordinal));
        }

        var configured = new Portal.IntegrationTests.Hardening.CapturedLogs();
        await using (var app = new BootstrapApp(_file, Settings("admin@ops.example"), configured))
        {
            app.CreateClient().Dispose();
            configured.Lines.ShouldNotContain(l => l.Contains("No platform administrator", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_bootstrap_entry_without_object_id_or_email_stops_the_start_and_says_which()
    {
        await using var app = new BootstrapApp(_file, new Dictionary<string, string> { ["Portal:Bootstrap:PlatformAdmins:0:EntraTenantId"] = OpsTenant.ToString() });
        var exception = Should.Throw<Exception>(() => app.CreateClient());
        var messages = string.Join("\n", Chain(exception).Select(e => e.Message));
        messages.ShouldContain("Portal:Bootstrap:PlatformAdmins:0");
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
            if (x is AggregateException aggregate) foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain)) yield return inner;
        }
    }

    public void Dispose() => TempFiles.DeleteSqlite(_file);
}
