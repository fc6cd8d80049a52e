using System.ComponentModel.DataAnnotations;
using System.Net;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.OpenApi;
using Portal.Pipeline.Commit;

namespace Portal.Features.Notifications;

/// <summary>Registration and routes of notifications (docs/api.md, docs/webhooks.md).</summary>
public static class NotificationsApi
{
    public sealed record CreateEndpointBody(Guid? TenantId, NotificationChannel? Channel, string? Name, string? Url);
    public sealed record SetEmailSubscriptionBody(Guid? UserId, Severity[]? Severities, bool? StatusChanges, bool? CustomerUpdates);

    public static void AddNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>().Bind(builder.Configuration.GetSection(NotificationOptions.Section))
            .Validate(o => o.MaxAttempts >= 1 && o.SendTimeout > TimeSpan.Zero && o.FirstRetryDelay > TimeSpan.Zero, "Notifications: MaxAttempts >= 1, SendTimeout and FirstRetryDelay > 0.")
            .Validate(o => o.RetainDeliveredFor >= TimeSpan.FromDays(1) && o.RetainFailedFor >= TimeSpan.FromDays(1),
                "Notifications: RetainDeliveredFor and RetainFailedFor must be at least one day (1.00:00:00): the delivery log is how a missed notification is found.")
            // A mistyped SMTP setting would otherwise fail every email at its first send, at 3 a.m., instead of the deployment now.
            .Validate(o => SmtpOptions.SecurityNames.Contains(o.Smtp.Security, StringComparer.OrdinalIgnoreCase),
                $"Notifications:Smtp:Security must be one of {string.Join(", ", SmtpOptions.SecurityNames)}.")
            .Validate(o => o.Smtp.Port is > 0 and <= 65535, "Notifications:Smtp:Port must be between 1 and 65535.")
            .Validate(o => MimeKit.MailboxAddress.TryParse(o.Smtp.From, out _), "Notifications:Smtp:From must be a mail address, such as Portal <notifications@example.com>.")
            .ValidateOnStart();
        builder.Services.AddSingleton<EndpointAddressGuard>();
        builder.Services.AddSingleton<WebhookSecrets>();
        builder.Services.AddSingleton<UnsubscribeLinks>();
        builder.Services.AddSingleton<NotificationSenders>();
        builder.Services.AddSingleton<IInTransactionWriter, OutboxWriter>();
        builder.Services.AddSingleton<ICommitReaction, DeliverAfterCommit>();
        builder.Services.AddScoped<OutboxDelivery>();
        builder.Services.AddScoped<OutboxSweep>();
        builder.Services.AddScoped<OutboxRetention>();
        builder.Services.AddHostedService<OutboxJobs.Startup>();
        builder.Services.AddHttpClient(NotificationSenders.HttpClientName, (services, client) =>
            {
                client.Timeout = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<NotificationOptions>>().Value.SendTimeout;
            })
            .ConfigurePrimaryHttpMessageHandler(services =>
            {
                var guard = services.GetRequiredService<EndpointAddressGuard>();
                return new SocketsHttpHandler
                {
                    // Every connection goes through the guard: the address checked is the address connected to.
                    ConnectCallback = guard.ConnectAsync,
                    AllowAutoRedirect = false, // a redirect is the receiver's answer, not a new target
                    UseProxy = false,          // through a proxy the callback would check the proxy, not the receiver
                    UseCookies = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                };
            });
    }

    public static void MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Notifications").RequireAuthorization();

        api.MapGet("/msps/{mspId:guid}/notification-endpoints", async (Guid mspId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListNotificationEndpoints(mspId), ct)))
            .WithName("ListNotificationEndpoints").WithSummary("The MSP's webhook and Teams endpoints (MspLead); secrets are never shown again.");

        api.MapPost("/msps/{mspId:guid}/notification-endpoints", async Task<Created<CreatedEndpointView>> (Guid mspId, CreateEndpointBody body, IMediator mediator, CancellationToken ct) =>
        {
            var created = await mediator.Send(new CreateNotificationEndpoint(mspId, body.TenantId, body.Channel, body.Name, body.Url), ct);
            return TypedResults.Created($"/api/v1/msps/{mspId}/notification-endpoints/{created.Endpoint.Id}", created);
        }).WithName("CreateNotificationEndpoint")
          .WithSummary("Register a webhook or Teams endpoint for one managed tenant (tenantId) or all of them; a webhook's secret is in this answer only.");

        api.MapGet("/msps/{mspId:guid}/notification-endpoints/{id:guid}", async (Guid mspId, Guid id, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetNotificationEndpoint(mspId, id), ct)))
            .WithName("GetNotificationEndpoint").WithSummary("One of the MSP's endpoints (MspLead), without its secret.");

        api.MapPost("/msps/{mspId:guid}/notification-endpoints/{id:guid}/rotate-secret", async (Guid mspId, Guid id, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new RotateEndpointSecret(mspId, id), ct)))
            .WithName("RotateEndpointSecret").WithSummary("A new webhook secret (shown once); the previous one keeps signing during the overlap.");

        api.MapDelete("/msps/{mspId:guid}/notification-endpoints/{id:guid}", async (Guid mspId, Guid id, IMediator mediator, CancellationToken ct) =>
        {
            await mediator.Send(new DeleteNotificationEndpoint(mspId, id), ct);
            return TypedResults.NoContent();
        }).WithName("DeleteNotificationEndpoint").WithSummary("Remove an endpoint; nothing more is sent to it.");

        // Range: the bounds the handler enforces (invalid_limit), published in the OpenAPI document; minimal APIs do not validate it here.
        api.MapGet("/msps/{mspId:guid}/notification-deliveries", async (Guid mspId, [FromQuery] Guid? tenantId, [FromQuery] string? cursor, [FromQuery, Range(1, ListDeliveriesHandler.MaxLimit)] int? limit,
                IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListDeliveries(mspId, tenantId, cursor, limit ?? 50), ct)))
            .WithName("ListNotificationDeliveries").WithMetadata(new SendsAttribute(typeof(ListDeliveries))).WithSummary("Every delivery attempt for the MSP's tenants, newest first, keyset-paged (MspLead).");

        api.MapGet("/tenants/{tenantId:guid}/email-subscriptions", async (Guid tenantId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListEmailSubscriptions(tenantId), ct)))
            .WithName("ListEmailSubscriptions").WithSummary("Who in the tenant gets email about its incidents (CustomerAdmin).");

        api.MapPut("/tenants/{tenantId:guid}/email-subscriptions", async (Guid tenantId, SetEmailSubscriptionBody body, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new SetEmailSubscription(tenantId, body.UserId, body.Severities, body.StatusChanges, body.CustomerUpdates), ct)))
            .WithName("SetEmailSubscription").WithSummary("Subscribe a member of the tenant, or change the severities and events they get (CustomerAdmin).");

        api.MapDelete("/tenants/{tenantId:guid}/email-subscriptions/{id:guid}", async (Guid tenantId, Guid id, IMediator mediator, CancellationToken ct) =>
        {
            await mediator.Send(new DeleteEmailSubscription(tenantId, id), ct);
            return TypedResults.NoContent();
        }).WithName("DeleteEmailSubscription").WithSummary("Stop someone's email (CustomerAdmin).");

        // The link in every email: no sign-in; the token is the authority (signed, expiring). GET asks (a mail gateway that opens
        // every link to scan it must not unsubscribe anyone, RFC 8058); POST removes: the page's button, and one-click from the
        // mail client (List-Unsubscribe-Post).
        app.MapGet(UnsubscribeLinks.Path, ConfirmUnsubscribeAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(UnsubscribeLinks.Path, UnsubscribeAsync).AllowAnonymous().ExcludeFromDescription();
    }

    private static async Task<IResult> ConfirmUnsubscribeAsync([FromQuery] string? token, UnsubscribeLinks links, PortalDbContext db, TenantScope scope, HttpRequest request,
        CancellationToken ct)
    {
        var read = links.Read(token);
        if (RefusedLink(read, request) is { } refused) return refused;
        scope.UseSystemAccess(); // no user: the signed token names the one subscription this request may read
        var email = await db.EmailSubscriptions.Where(s => s.Id == read.SubscriptionId).Select(s => s.Email).FirstOrDefaultAsync(ct);
        if (email is null) return Page(HttpStatusCode.OK, "Unsubscribed", "You were already unsubscribed.");
        var action = $"{UnsubscribeLinks.Path}?token={Uri.EscapeDataString(token!)}";
        return Page(HttpStatusCode.OK, "Stop incident emails?",
            $"Portal sends incident emails for this organisation to {email}. Nothing changes until you confirm.",
            $"<form method=\"post\" action=\"{WebUtility.HtmlEncode(action)}\"><button type=\"submit\">Stop these emails</button></form>");
    }

    private static async Task<IResult> UnsubscribeAsync([FromQuery] string? token, UnsubscribeLinks links, PortalDbContext db, TenantScope scope, TimeProvider clock,
        HttpRequest request, CancellationToken ct)
    {
        var read = links.Read(token);
        if (RefusedLink(read, request) is { } refused) return refused;
        scope.UseSystemAccess(); // no user: the signed token names the one subscription this request may remove
        var subscription = await db.EmailSubscriptions.FirstOrDefaultAsync(s => s.Id == read.SubscriptionId, ct);
        if (subscription is null) return Page(HttpStatusCode.OK, "Unsubscribed", "You were already unsubscribed.");
        db.EmailSubscriptions.Remove(subscription);
        // Said in the tenant's audit log: its administrator can see why someone no longer gets the emails.
        db.AuditEntries.Add(new AuditEntry(subscription.TenantId, clock.GetUtcNow(), subscription.UserId, subscription.DisplayName, "email_unsubscribed",
            $"{subscription.DisplayName} ({subscription.Email}) stopped their incident emails with the link in an email."));
        await db.SaveChangesAsync(ct);
        return Page(HttpStatusCode.OK, "Unsubscribed", "You will get no more incident emails from Portal for this organisation.");
    }

    /// <summary>An expired or invalid link, answered for a person (a page) or a client that asks for JSON; null for a good one.</summary>
    private static IResult? RefusedLink(UnsubscribeToken read, HttpRequest request) => read.State switch
    {
        UnsubscribeTokenState.Expired => Refused(request, HttpStatusCode.Gone, "unsubscribe_link_expired", "This link has expired",
            $"The unsubscribe link worked until {read.ExpiresAt:yyyy-MM-dd HH:mm} UTC. Use the link in a newer email, or ask your organisation's administrator to stop your emails."),
        UnsubscribeTokenState.Invalid => Refused(request, HttpStatusCode.BadRequest, "unsubscribe_link_invalid", "This link is not valid",
            "The unsubscribe link is incomplete or was changed, or it comes from an older email whose links no longer work. Use the link in a newer email, or ask your organisation's administrator."),
        _ => null,
    };

    /// <summary>A refused link: the page for a person following it, RFC 7807 problem details for a client that asks for JSON.</summary>
    private static IResult Refused(HttpRequest request, HttpStatusCode status, string code, string title, string detail) =>
        request.Headers.Accept.Any(a => a?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
            ? TypedResults.Problem(statusCode: (int)status, title: title, detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code })
            : Page(status, title, detail);

    /// <param name="form">HTML built from encoded values only (the confirmation's button), or null</param>
    private static IResult Page(HttpStatusCode status, string title, string text, string? form = null) =>
        Results.Content($"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)} · Portal</title></head>" +
                        $"<body><main><h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(text)}</p>{form}</main></body></html>", "text/html; charset=utf-8", statusCode: (int)status);
}
