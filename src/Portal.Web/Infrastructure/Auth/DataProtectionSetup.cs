using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Identity;
using Azure.Security.KeyVault.Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Portal.Data;
using Portal.Infrastructure.Data;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// The Data Protection key ring (cookies, antiforgery, unsubscribe links, webhook secrets) is shared through the database
/// and encrypted there with a certificate, so that reading the database is not reading the keys. Where the certificate
/// comes from (docs/capabilities.md, "Secrets at rest"):
/// <list type="bullet">
/// <item><c>DataProtection:KeyVault:Uri</c> + <c>CertificateName</c>: Azure Key Vault, read with the managed identity
/// (all enabled versions, so keys protected before a rotation stay readable);</item>
/// <item><c>DataProtection:CertificatePath</c> (+ <c>CertificatePassword</c>; <c>PreviousCertificatePath</c> after a
/// replacement): a PKCS#12 file, on any other host;</item>
/// <item>neither, in Development: a self-signed certificate made on first start and kept beside the SQLite file (or in the
/// user's local application data), never in the database;</item>
/// <item>neither, elsewhere: Portal refuses to start.</item>
/// </list>
/// </summary>
public static class DataProtectionSetup
{
    public const string Section = "DataProtection";
    public const string GeneratedCertificateFile = "portal-dataprotection.pfx";

    public static void AddPortalDataProtection(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(Section);
        var (current, older) = LoadCertificates(builder, section);
        builder.Services.AddDataProtection()
            .PersistKeysToDbContext<PortalDbContext>()
            .SetApplicationName("Portal")
            .ProtectKeysWithCertificate(current)
            .UnprotectKeysWithAnyCertificate([current, .. older]);
    }

    private static (X509Certificate2 Current, X509Certificate2[] Older) LoadCertificates(WebApplicationBuilder builder, IConfigurationSection section)
    {
        if (section["KeyVault:Uri"] is { Length: > 0 } vault)
        {
            var name = section["KeyVault:CertificateName"] is { Length: > 0 } n ? n
                : throw new InvalidOperationException($"{Section}:KeyVault:Uri is set but {Section}:KeyVault:CertificateName is not.");
            var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = section["KeyVault:ManagedIdentityClientId"] });
            return FromKeyVault(new CertificateClient(new Uri(vault), credential), name);
        }
        if (section["CertificatePath"] is { Length: > 0 } path)
        {
            // After replacing the file, the previous one still decrypts the keys it protected until they have expired.
            X509Certificate2[] previous = section["PreviousCertificatePath"] is { Length: > 0 } old
                ? [X509CertificateLoader.LoadPkcs12FromFile(old, section["PreviousCertificatePassword"], X509KeyStorageFlags.EphemeralKeySet)]
                : [];
            return (X509CertificateLoader.LoadPkcs12FromFile(path, section["CertificatePassword"], X509KeyStorageFlags.EphemeralKeySet), previous);
        }
        if (builder.Environment.IsDevelopment())
            return (GeneratedCertificate(GeneratedCertificateFolder(builder)), []);
        throw new InvalidOperationException(
            $"Portal encrypts its Data Protection keys at rest and needs a certificate outside Development: set {Section}:KeyVault:Uri and " +
            $"{Section}:KeyVault:CertificateName (Azure Key Vault, read with the managed identity), or {Section}:CertificatePath and " +
            $"{Section}:CertificatePassword (a PKCS#12 file with its private key). See docs/operations.md, \"Data Protection keys\".");
    }

    /// <summary>
    /// The certificate's current version with its private key (Key Vault keeps that in the certificate's secret), and its older
    /// enabled versions for decryption (keys protected before a rotation); a disabled version is left out, and so is one with no
    /// certificate issued yet (no thumbprint: a rotation still pending), which has nothing to download.
    /// </summary>
    internal static (X509Certificate2 Current, X509Certificate2[] Older) FromKeyVault(CertificateClient client, string name)
    {
        var current = client.DownloadCertificate(name).Value;
        var older = client.GetPropertiesOfCertificateVersions(name)
            .Where(v => v.Enabled == true && v.Version != null && v.X509Thumbprint is { Length: > 0 } && !string.Equals(v.X509ThumbprintString, current.Thumbprint, StringComparison.OrdinalIgnoreCase))
            .Select(v => client.DownloadCertificate(name, v.Version).Value)
            .ToArray();
        return (current, older);
    }

    /// <summary>Beside the SQLite file of the embedded default; otherwise in the user's local application data.</summary>
    private static string GeneratedCertificateFolder(WebApplicationBuilder builder)
    {
        var (provider, connectionString) = builder.PortalDatabase();
        if (provider == DatabaseProvider.Sqlite && Path.GetDirectoryName(new SqliteConnectionStringBuilder(connectionString).DataSource) is { Length: > 0 } folder)
            return folder;
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "Portal");
    }

    /// <summary>Made once and kept; two processes starting together both end up with the one that reached the file first.</summary>
    private static X509Certificate2 GeneratedCertificate(string folder)
    {
        var file = Path.Combine(folder, GeneratedCertificateFile);
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(folder);
            using var rsa = RSA.Create(3072);
            var request = new CertificateRequest("CN=Portal Data Protection (development)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
            var temporary = file + "." + Guid.NewGuid().ToString("N");
            File.WriteAllBytes(temporary, certificate.Export(X509ContentType.Pkcs12));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try { File.Move(temporary, file, overwrite: false); }
            catch (IOException) when (File.Exists(file)) { File.Delete(temporary); }
        }
        return X509CertificateLoader.LoadPkcs12FromFile(file, null, X509KeyStorageFlags.EphemeralKeySet);
    }
}
