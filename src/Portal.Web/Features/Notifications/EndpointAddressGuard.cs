using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Portal.Domain;

namespace Portal.Features.Notifications;

/// <summary>
/// The SSRF guard of outbound webhooks and Teams posts. Outside Development (or with <see cref="NotificationOptions.AllowPrivateTargets"/>
/// off) a URL must be https and its host must resolve only to public addresses: never loopback, link-local, private (RFC 1918,
/// fc00::/7, 100.64/10), multicast or unspecified. Checked when an endpoint is registered, and again for every connection
/// (<see cref="ConnectAsync"/>, the handler's ConnectCallback): DNS may answer differently at send time, so the address the
/// socket connects to is the one that was checked.
/// </summary>
public sealed class EndpointAddressGuard(IOptions<NotificationOptions> options, IHostEnvironment environment)
{
    public bool AllowsPrivateTargets => options.Value.AllowPrivateTargets && environment.IsDevelopment();

    /// <summary>At registration: refuses (<see cref="InvalidValueException"/> "endpoint_not_allowed") what a send would refuse.</summary>
    public async Task CheckAsync(Uri url, CancellationToken ct)
    {
        if (AllowsPrivateTargets) return;
        if (url.Scheme != Uri.UriSchemeHttps) throw new InvalidValueException("endpoint_not_allowed", "The URL must use https.");
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(url.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(url.IdnHost, ct);
        }
        catch (SocketException)
        {
            throw new InvalidValueException("endpoint_not_allowed", $"The host {url.Host} does not resolve.");
        }
        if (addresses.Length == 0) throw new InvalidValueException("endpoint_not_allowed", $"The host {url.Host} does not resolve.");
        if (addresses.FirstOrDefault(IsForbidden) is { } bad)
            throw new InvalidValueException("endpoint_not_allowed", $"The host {url.Host} resolves to {Describe(bad)} ({bad}); only public addresses may receive notifications.");
    }

    /// <summary>At send: the scheme (a stored URL may predate a configuration change).</summary>
    public void CheckScheme(Uri url)
    {
        if (!AllowsPrivateTargets && url.Scheme != Uri.UriSchemeHttps) throw new HttpRequestException("Refused: the URL must use https.");
    }

    /// <summary>SocketsHttpHandler.ConnectCallback: resolve, refuse forbidden addresses, connect to the address checked.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (!AllowsPrivateTargets && addresses.FirstOrDefault(IsForbidden) is { } bad)
            throw new HttpRequestException($"Refused: {host} resolves to {Describe(bad)} ({bad}).");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static bool IsForbidden(IPAddress address) => Describe(address) is not null;

    /// <summary>Why an address may not receive a notification, or null when it is public.</summary>
    public static string? Describe(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return "a loopback address";
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.None)) return "an unspecified address";
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal) return "a link-local address";
            if (address.IsIPv6Multicast) return "a multicast address";
            var b = address.GetAddressBytes();
            if ((b[0] & 0xFE) == 0xFC) return "a private address (fc00::/7)";
            return null;
        }
        var v4 = address.GetAddressBytes();
        return v4 switch
        {
            [0, ..] => "an unspecified address",
            [10, ..] => "a private address (10/8)",
            [172, >= 16 and <= 31, ..] => "a private address (172.16/12)",
            [192, 168, ..] => "a private address (192.168/16)",
            [169, 254, ..] => "a link-local address",
            [100, >= 64 and <= 127, ..] => "a shared address (100.64/10)",
            [>= 224, ..] => "a multicast or reserved address",
            _ => null,
        };
    }
}
