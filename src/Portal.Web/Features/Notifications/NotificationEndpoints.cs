using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Notifications;

/// <summary>An endpoint as its MSP sees it: never its secret (shown once, in <see cref="CreatedEndpointView"/>).</summary>
public sealed record NotificationEndpointView(Guid Id, Guid MspId, Guid? TenantId, NotificationChannel Channel, string Name, string Url,
    DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? SecretRotatedAt, DateTimeOffset? PreviousSecretValidUntil)
{
    public static NotificationEndpointView From(NotificationEndpoint e) =>
        new(e.Id, e.MspId, e.TenantId, e.Channel, e.Name, e.Url, e.CreatedAt, e.CreatedByName, e.SecretRotatedAt, e.PreviousSecretValidUntil);
}

/// <summary>The answer to a creation or a rotation: the one time the secret is shown.</summary>
public sealed record CreatedEndpointView(NotificationEndpointView Endpoint, string? Secret);

/// <summary>The MSP's own side: the user must belong to the MSP (else 404, like a missing one) and hold the permission there.</summary>
internal static class MspAccess
{
    public static void Require(UserAccess user, Guid mspId, Permission permission)
    {
        if (!user.Memberships.Any(m => m.OrganisationId == mspId && m.Kind == OrganisationKind.Msp)) throw new NotFoundException("MSP", mspId);
        if (!user.HasIn(permission, mspId)) throw new NotPermittedException($"Your role does not allow this ({permission}).");
    }

    /// <summary>A tenant the MSP manages under an active contract, else 404 (another MSP's tenant is not there).</summary>
    public static async Task RequireManagedAsync(PortalDbContext db, Guid mspId, Guid tenantId, DateTimeOffset now, CancellationToken ct)
    {
        var managed = await db.Contracts.AnyAsync(c => c.MspId == mspId && c.CustomerId == tenantId && c.StartedAt <= now && (c.EndedAt == null || c.EndedAt > now), ct);
        if (!managed) throw new NotFoundException("tenant", tenantId);
    }
}

[Requires(Permission.ManageNotificationEndpoints)]
public sealed record ListNotificationEndpoints(Guid MspId) : IQuery<IReadOnlyList<NotificationEndpointView>>;

public sealed class ListNotificationEndpointsHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<ListNotificationEndpoints, IReadOnlyList<NotificationEndpointView>>
{
    public async ValueTask<IReadOnlyList<NotificationEndpointView>> Handle(ListNotificationEndpoints query, CancellationToken cancellationToken)
    {
        MspAccess.Require(currentUser.Required, query.MspId, Permission.ManageNotificationEndpoints);
        var endpoints = await db.NotificationEndpoints.AsNoTracking().Where(e => e.MspId == query.MspId).OrderBy(e => e.CreatedAt).ThenBy(e => e.Id).ToListAsync(cancellationToken);
        return [.. endpoints.Select(NotificationEndpointView.From)];
    }
}

/// <summary>One of the MSP's endpoints (MspLead), as the list shows it: the <c>Location</c> a creation answers with.</summary>
[Requires(Permission.ManageNotificationEndpoints)]
public sealed record GetNotificationEndpoint(Guid MspId, Guid EndpointId) : IQuery<NotificationEndpointView>;

public sealed class GetNotificationEndpointHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<GetNotificationEndpoint, NotificationEndpointView>
{
    public async ValueTask<NotificationEndpointView> Handle(GetNotificationEndpoint query, CancellationToken cancellationToken)
    {
        MspAccess.Require(currentUser.Required, query.MspId, Permission.ManageNotificationEndpoints);
        var endpoint = await db.NotificationEndpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Id == query.EndpointId && e.MspId == query.MspId, cancellationToken)
                       ?? throw new NotFoundException("notification endpoint", query.EndpointId);
        return NotificationEndpointView.From(endpoint);
    }
}

/// <summary>Register a webhook or Teams endpoint for one tenant the MSP manages, or (no tenant) for all of them.</summary>
[Requires(Permission.ManageNotificationEndpoints)]
public sealed record CreateNotificationEndpoint(Guid MspId, Guid? TenantId, NotificationChannel? Channel, string? Name, string? Url)
    : ICommand<CreatedEndpointView>, IOptionalTenantRequest;

public sealed class CreateNotificationEndpointValidator : AbstractValidator<CreateNotificationEndpoint>
{
    public CreateNotificationEndpointValidator()
    {
        RuleFor(c => c.Channel).NotNull().WithMessage("Say which channel: Webhook or Teams.")
            .Must(c => c is NotificationChannel.Webhook or NotificationChannel.Teams).WithMessage("The channel is Webhook or Teams (email goes to a tenant's subscribers).");
        RuleFor(c => c.Name).NotEmpty().WithMessage("Give the endpoint a name.")
            .MaximumLength(NotificationEndpoint.NameMaxLength).WithMessage($"A name may be at most {NotificationEndpoint.NameMaxLength} characters.")
            .IsPlainText("name", multiline: false);
        RuleFor(c => c.Url).NotEmpty().WithMessage("The URL to post to is required.")
            .MaximumLength(NotificationEndpoint.UrlMaxLength).WithMessage($"A URL may be at most {NotificationEndpoint.UrlMaxLength} characters.")
            .Must(u => PlainText.IsPlain(u, multiline: false)).WithMessage(PlainText.Refusal("URL"))
            .Must(u => Uri.TryCreate(u, UriKind.Absolute, out var url) && url.Scheme is "https" or "http" && string.IsNullOrEmpty(url.UserInfo))
            .WithMessage("The URL must be an absolute https URL (no user name or password in it).");
    }
}

public sealed class CreateNotificationEndpointHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock, EndpointAddressGuard guard, WebhookSecrets secrets)
    : ICommandHandler<CreateNotificationEndpoint, CreatedEndpointView>
{
    public async ValueTask<CreatedEndpointView> Handle(CreateNotificationEndpoint command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        MspAccess.Require(user, command.MspId, Permission.ManageNotificationEndpoints);
        var now = clock.GetUtcNow();
        if (command.TenantId is { } tenantId) await MspAccess.RequireManagedAsync(db, command.MspId, tenantId, now, cancellationToken);
        var url = new Uri(command.Url!);
        await guard.CheckAsync(url, cancellationToken);
        var channel = command.Channel!.Value;
        var secret = channel == NotificationChannel.Webhook ? WebhookSecrets.NewSecret() : null;
        var endpoint = new NotificationEndpoint(Guid.CreateVersion7(now), command.MspId, command.TenantId, channel, command.Name!, url,
            secret is null ? null : secrets.Protect(secret), new Actor(user.UserId, user.DisplayName, TenantAccess.Msp), now);
        // An escalation level names its channels by endpoint name (ignoring case): two endpoints of one MSP with one name would both
        // be reached by a level meant for one, and the list a lead chooses from would show the name twice.
        var upper = endpoint.Name.ToUpperInvariant();
        if (await db.NotificationEndpoints.AnyAsync(e => e.MspId == command.MspId && e.Name.ToUpper() == upper, cancellationToken))
            throw new DomainRuleException("duplicate_endpoint_name", $"This MSP already has an endpoint named {endpoint.Name}: choose another name.");
        db.NotificationEndpoints.Add(endpoint);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedEndpointView(NotificationEndpointView.From(endpoint), secret);
    }
}

/// <summary>A new secret for a webhook; the old one keeps signing (both signatures are sent) for the overlap.</summary>
[Requires(Permission.ManageNotificationEndpoints)]
public sealed record RotateEndpointSecret(Guid MspId, Guid EndpointId) : ICommand<CreatedEndpointView>;

public sealed class RotateEndpointSecretHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock, WebhookSecrets secrets, IOptions<NotificationOptions> options)
    : ICommandHandler<RotateEndpointSecret, CreatedEndpointView>
{
    public async ValueTask<CreatedEndpointView> Handle(RotateEndpointSecret command, CancellationToken cancellationToken)
    {
        MspAccess.Require(currentUser.Required, command.MspId, Permission.ManageNotificationEndpoints);
        var endpoint = await db.NotificationEndpoints.SingleOrDefaultAsync(e => e.Id == command.EndpointId && e.MspId == command.MspId, cancellationToken)
                       ?? throw new NotFoundException("endpoint", command.EndpointId);
        var secret = WebhookSecrets.NewSecret();
        endpoint.RotateSecret(secrets.Protect(secret), clock.GetUtcNow(), options.Value.SecretRotationOverlap);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedEndpointView(NotificationEndpointView.From(endpoint), secret);
    }
}

[Requires(Permission.ManageNotificationEndpoints)]
public sealed record DeleteNotificationEndpoint(Guid MspId, Guid EndpointId) : ICommand<Unit>;

public sealed class DeleteNotificationEndpointHandler(PortalDbContext db, CurrentUser currentUser) : ICommandHandler<DeleteNotificationEndpoint, Unit>
{
    public async ValueTask<Unit> Handle(DeleteNotificationEndpoint command, CancellationToken cancellationToken)
    {
        MspAccess.Require(currentUser.Required, command.MspId, Permission.ManageNotificationEndpoints);
        var endpoint = await db.NotificationEndpoints.SingleOrDefaultAsync(e => e.Id == command.EndpointId && e.MspId == command.MspId, cancellationToken)
                       ?? throw new NotFoundException("endpoint", command.EndpointId);
        // Messages already written for it fail as "endpoint deleted" at their next try; nothing more is written for it.
        db.NotificationEndpoints.Remove(endpoint);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
