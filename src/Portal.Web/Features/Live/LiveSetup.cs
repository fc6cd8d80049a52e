using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.SignalR;
using Portal.Infrastructure.Http;
using Portal.Pipeline.Commit;
using StackExchange.Redis;

namespace Portal.Features.Live;

/// <summary>SignalR for the status hub; scale-out through Redis (<c>SignalR:Redis</c>) or Azure SignalR Service (<c>Azure:SignalR:ConnectionString</c>).</summary>
public static class LiveSetup
{
    public const string HubPath = "/hubs/status";

    public static void AddPortalLive(this WebApplicationBuilder builder)
    {
        var signalR = builder.Services.AddSignalR(o =>
            {
                o.AddFilter<PortalUserHubFilter>();
                o.AddFilter<RateLimitHubFilter>(); // after: it reads the user the first one resolved
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));

        var redis = builder.Configuration["SignalR:Redis"];
        var azure = builder.Configuration["Azure:SignalR:ConnectionString"];
        if (!string.IsNullOrWhiteSpace(redis) && !string.IsNullOrWhiteSpace(azure))
            throw new InvalidOperationException("Set either SignalR:Redis or Azure:SignalR:ConnectionString, not both: they are two ways to scale out the same hub.");
        if (!string.IsNullOrWhiteSpace(redis))
            signalR.AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = RedisChannel.Literal("portal"));
        if (!string.IsNullOrWhiteSpace(azure))
            signalR.AddAzureSignalR();

        builder.Services.AddSingleton<PortalUserHubFilter>();
        builder.Services.AddSingleton<RateLimitHubFilter>();
        builder.Services.AddSingleton<LiveConnections>();
        builder.Services.AddSingleton<IAccessRevoker>(sp => sp.GetRequiredService<LiveConnections>());
        builder.Services.AddSingleton<LivePublisher>();
        builder.Services.AddSingleton<ICommitReaction, BroadcastCommittedChanges>();
        builder.Services.AddSingleton<ICommitReaction, BroadcastImportProgress>();
        builder.Services.AddSingleton<ICommitReaction, AnnounceAdvisories>();
        builder.Services.AddSingleton<ICommitReaction, AnnounceEscalations>();
        builder.Services.AddHostedService<RevalidateLiveConnections>();

        // Browsers' WebSockets cannot send an Authorization header: other clients pass the bearer token as access_token.
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).PostConfigure(o =>
        {
            o.Events ??= new JwtBearerEvents();
            var previous = o.Events.OnMessageReceived;
            o.Events.OnMessageReceived = async context =>
            {
                await previous(context);
                if (string.IsNullOrEmpty(context.Token) && context.HttpContext.Request.Path.StartsWithSegments(HubPath)
                    && context.Request.Query["access_token"] is { Count: > 0 } token)
                {
                    context.Token = token.ToString();
                }
            };
        });
    }

    public static void MapPortalLive(this WebApplication app) => app.MapHub<StatusHub>(HubPath).WithDeclaredHttpMethods().RequireAuthorization();
}
