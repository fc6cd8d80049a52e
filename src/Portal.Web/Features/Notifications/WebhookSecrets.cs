using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Portal.Features.Notifications;

/// <summary>
/// Webhook secrets: generated here (32 random bytes, "whsec_" + base64url), shown once in the answer that creates or rotates
/// them, stored only as the data protector's ciphertext (keys shared by every instance through the database), never logged.
/// Signing: <c>Portal-Signature: t={unix seconds},v1={hex HMAC-SHA256(secret, t + "." + body)}</c>, one <c>v1</c> per valid
/// secret (two during a rotation's overlap). docs/webhooks.md shows the receiver's side.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider dataProtection)
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Portal.Notifications.WebhookSecret.v1");

    public static string NewSecret() => "whsec_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);

    public static string Sign(string secret, long timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return Convert.ToHexStringLower(mac);
    }

    public static string SignatureHeader(IEnumerable<string> secrets, long timestamp, string body) =>
        $"t={timestamp}," + string.Join(",", secrets.Select(s => "v1=" + Sign(s, timestamp, body)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
