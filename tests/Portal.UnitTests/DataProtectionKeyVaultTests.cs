using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Certificates;
using Portal.Infrastructure.Auth;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>
/// Data Protection's certificates from Azure Key Vault (<c>DataProtection:KeyVault:Uri</c>): the Azure SDK's own client, speaking
/// Key Vault's REST protocol (challenge, bearer token, certificate, its secret, the versions) to an in-memory vault that answers
/// as Key Vault does. Key Vault itself cannot run here; what is checked is which versions Portal downloads and what it gets.
/// </summary>
public sealed class DataProtectionKeyVaultTests
{
    private const string Name = "portal-dataprotection";

    [Fact]
    public void The_current_version_comes_with_its_private_key_and_older_enabled_versions_decrypt()
    {
        using var older = NewCertificate("older");
        using var disabled = NewCertificate("disabled");
        using var current = NewCertificate("current");
        var vault = new FakeVault(
            new("v1", older, Enabled: true, Issued: true),
            new("v2", disabled, Enabled: false, Issued: true),
            new("v3", current, Enabled: true, Issued: false), // a rotation still pending: no certificate yet
            new("v4", current, Enabled: true, Issued: true));  // the latest: the current certificate

        var (loaded, previous) = DataProtectionSetup.FromKeyVault(vault.Client(), Name);

        loaded.Thumbprint.ShouldBe(current.Thumbprint);
        loaded.HasPrivateKey.ShouldBeTrue();
        previous.Select(c => c.Thumbprint).ShouldBe([older.Thumbprint]);
        previous[0].HasPrivateKey.ShouldBeTrue();
        vault.Downloaded.ShouldBe(["v4", "v1"], "the latest, then only the enabled, issued, other versions");
        vault.Unauthenticated.ShouldBe(1, "one challenge, then the bearer token on every request");
    }

    [Fact]
    public void A_vault_that_refuses_the_secret_stops_the_start_with_Key_Vaults_error()
    {
        using var current = NewCertificate("current");
        var vault = new FakeVault(new Version("v1", current, Enabled: true, Issued: true)) { RefuseSecrets = true };

        var refused = Should.Throw<Azure.RequestFailedException>(() => DataProtectionSetup.FromKeyVault(vault.Client(), Name));

        refused.Status.ShouldBe(403);
        refused.ErrorCode.ShouldBe("Forbidden");
    }

    private static X509Certificate2 NewCertificate(string subject)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={subject}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    private sealed record Version(string Id, X509Certificate2 Certificate, bool Enabled, bool Issued);

    /// <summary>Key Vault's certificate and secret endpoints for one certificate's versions (the last one is the latest).</summary>
    private sealed class FakeVault(params Version[] versions) : HttpMessageHandler
    {
        // A vault of its own per test: the SDK remembers each vault's challenge for the process, and the test counts it.
        private readonly string _vault = $"https://portal-test-{Guid.NewGuid():N}"[..40] + ".vault.azure.net";

        public bool RefuseSecrets { get; init; }
        public List<string> Downloaded { get; } = [];
        public int Unauthenticated { get; private set; }

        public CertificateClient Client() => new(new Uri(_vault), new FakeCredential(),
            new CertificateClientOptions { Transport = new HttpClientTransport(new HttpClient(this)), Retry = { MaxRetries = 0 } });

        // The SDK's synchronous calls (Portal loads the certificates while it builds its services) come through Send.
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) => Answer(request);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(Answer(request));

        private HttpResponseMessage Answer(HttpRequestMessage request)
        {
            if (request.Headers.Authorization is null)
            {
                // Key Vault's challenge: the client learns where to get a token, and for which resource.
                Unauthenticated++;
                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                challenge.Headers.TryAddWithoutValidation("WWW-Authenticate",
                    "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001\", resource=\"https://vault.azure.net\"");
                return challenge;
            }
            request.Headers.Authorization.ToString().ShouldBe("Bearer vault-token");
            var path = request.RequestUri!.AbsolutePath.TrimEnd('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
            var latest = versions[^1];
            return path switch
            {
                ["certificates", Name, "versions"] => Json(new
                {
                    value = versions.Select(v => new { id = $"{_vault}/certificates/{Name}/{v.Id}", x5t = v.Issued ? Thumbprint(v) : null, attributes = new { enabled = v.Enabled } }),
                    nextLink = (string?)null,
                }),
                ["certificates", Name] => Certificate(latest),
                ["certificates", Name, var id] => Certificate(versions.Single(v => v.Id == id)),
                ["secrets", Name, _] when RefuseSecrets => Json(new { error = new { code = "Forbidden", message = "The user does not have secrets get permission." } }, HttpStatusCode.Forbidden),
                ["secrets", Name, var id] when versions.Single(v => v.Id == id).Issued => Secret(versions.Single(v => v.Id == id)),
                _ => new HttpResponseMessage(HttpStatusCode.NotFound),
            };
        }

        private HttpResponseMessage Certificate(Version v) => Json(new
        {
            id = $"{_vault}/certificates/{Name}/{v.Id}",
            kid = $"{_vault}/keys/{Name}/{v.Id}",
            sid = $"{_vault}/secrets/{Name}/{v.Id}",
            x5t = Thumbprint(v),
            cer = Convert.ToBase64String(v.Certificate.RawData),
            attributes = new { enabled = v.Enabled },
        });

        private HttpResponseMessage Secret(Version v)
        {
            Downloaded.Add(v.Id);
            return Json(new
            {
                id = $"{_vault}/secrets/{Name}/{v.Id}",
                kid = $"{_vault}/keys/{Name}/{v.Id}",
                value = Convert.ToBase64String(v.Certificate.Export(X509ContentType.Pkcs12)),
                contentType = "application/x-pkcs12",
                managed = true,
                attributes = new { enabled = v.Enabled },
            });
        }

        private static string Thumbprint(Version v) => System.Buffers.Text.Base64Url.EncodeToString(v.Certificate.GetCertHash());

        private static HttpResponseMessage Json(object body, HttpStatusCode status = HttpStatusCode.OK) =>
            new(status) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
    }

    /// <summary>What the managed identity would give: a token for Key Vault's scope.</summary>
    private sealed class FakeCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            requestContext.Scopes.ShouldBe(["https://vault.azure.net/.default"]);
            return new AccessToken("vault-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
