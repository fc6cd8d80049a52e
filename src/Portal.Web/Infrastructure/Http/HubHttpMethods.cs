using Microsoft.AspNetCore.Http.Connections;

namespace Portal.Infrastructure.Http;

/// <summary>
/// SignalR maps its hub endpoints for every method and answers a wrong one itself (405 without <c>Allow</c>, an empty
/// text/plain body, after authentication). Declaring the methods each endpoint takes lets routing answer instead, as for
/// the API: 405 with <c>Allow</c> and problem details, before anyone is asked who they are.
/// </summary>
public static class HubHttpMethods
{
    /// <summary>Negotiation is a POST; everything else on the hub path is the connection itself.</summary>
    private static readonly HttpMethodMetadata Negotiate = new([HttpMethods.Post]);

    /// <summary>
    /// The transports: WebSockets open with GET (HTTP/1.1) or CONNECT (HTTP/2, RFC 8441, which browsers use when Kestrel
    /// offers it), server-sent events and long polling receive with GET and send with POST, long polling closes with DELETE.
    /// </summary>
    private static readonly HttpMethodMetadata Connection = new([HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete, HttpMethods.Connect]);

    public static HubEndpointConventionBuilder WithDeclaredHttpMethods(this HubEndpointConventionBuilder hub)
    {
        hub.Add(endpoint => endpoint.Metadata.Add(endpoint.Metadata.OfType<NegotiateMetadata>().Any() ? Negotiate : Connection));
        return hub;
    }
}
