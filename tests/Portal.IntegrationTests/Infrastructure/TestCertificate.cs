using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Portal.IntegrationTests.Infrastructure;

/// <summary>
/// A PKCS#12 file for apps started outside Development, which refuse to start without a certificate for their Data
/// Protection keys (<c>DataProtection:CertificatePath</c>). One per test run, in the temp folder.
/// </summary>
public static class TestCertificate
{
    public const string Password = "test-only";

    private static readonly Lazy<string> File_ = new(() =>
    {
        var file = Create();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TempFiles.Delete(file); // the run's one file: it outlives every app
        return file;
    });

    /// <summary>Another certificate, in a file of its own (the caller deletes it).</summary>
    public static string Create()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=Portal tests", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var file = TempFiles.NewPath("portal-it", extension: ".pfx");
        File.WriteAllBytes(file, certificate.Export(X509ContentType.Pkcs12, Password));
        return file;
    }

    public static string FilePath => File_.Value;

    /// <summary>The settings that point an app at the file.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("DataProtection:CertificatePath", FilePath),
        new("DataProtection:CertificatePassword", Password),
    ];
}
