namespace Portal.Infrastructure.OpenApi;

/// <summary>Endpoint metadata: the Mediator message this route sends, where its name is not the message's type name.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SendsAttribute(Type message) : Attribute
{
    public Type Message { get; } = message;
}

/// <summary>Endpoint metadata: the route sets an ETag on its answer though its response type carries none (a feed, a cached snapshot).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SetsETagAttribute : Attribute;
