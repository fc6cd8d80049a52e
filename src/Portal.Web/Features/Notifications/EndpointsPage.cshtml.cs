using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Notifications;

/// <summary>
/// The MSP lead's notification endpoints: the webhooks and Teams channels Portal posts to, which escalation levels name as
/// channels. A webhook's secret is shown once, on the answer to the post that made it (no redirect: it must not travel in a
/// cookie or come back on a reload).
/// </summary>
[Authorize]
public sealed class EndpointsPageModel(IMediator mediator, CurrentUser currentUser, TimeProvider clock) : PortalPageModel
{
    public sealed class NewEndpointInput
    {
        public string? Name { get; set; }
        public NotificationChannel? Channel { get; set; }
        public string? Url { get; set; }

        /// <summary>One tenant, or none for every tenant of the MSP.</summary>
        public Guid? TenantId { get; set; }
    }

    [FromRoute] public Guid MspId { get; set; }
    [BindProperty] public NewEndpointInput New { get; set; } = new();
    [BindProperty] public Guid? EndpointId { get; set; }

    public DateTimeOffset Now { get; } = clock.GetUtcNow();
    public IReadOnlyList<NotificationEndpointView> Endpoints { get; private set; } = [];

    /// <summary>The tenants an endpoint can be limited to: those the user works on for an MSP.</summary>
    public IReadOnlyList<TenantGrant> Tenants { get; private set; } = [];

    /// <summary>Set only on the answer to a creation or a rotation: the one time the secret is shown.</summary>
    public CreatedEndpointView? Shown { get; private set; }

    public string TenantName(Guid? tenantId) =>
        tenantId is { } id ? currentUser.Required.Tenants.TryGetValue(id, out var t) ? t.Name : "a tenant no longer managed" : "All tenants";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAddAsync(CancellationToken ct)
    {
        try
        {
            Shown = await mediator.Send(new CreateNotificationEndpoint(MspId, New.TenantId, New.Channel, New.Name, New.Url), ct);
            New = new NewEndpointInput();
            ModelState.Clear();
            ShowNotice($"{Shown.Endpoint.Name} added", Shown.Secret is null ? null : "Copy its secret now: it is not shown again.");
        }
        catch (Exception e) when (ShowProblem(e, nameof(New)))
        {
            // The banner and the marked fields show above the form, which keeps what was typed.
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRotateAsync(CancellationToken ct)
    {
        try
        {
            Shown = await mediator.Send(new RotateEndpointSecret(MspId, EndpointId ?? Guid.Empty), ct);
            ShowNotice($"New secret for {Shown.Endpoint.Name}",
                $"Copy it now: it is not shown again. The old secret keeps signing until {Display.Time(Shown.Endpoint.PreviousSecretValidUntil!.Value, Now)}.");
        }
        catch (Exception e) when (e is not NotFoundException && ShowProblem(e))
        {
            // A refusal (a Teams endpoint has no secret) shows above the list; a missing endpoint is the page's 404.
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveAsync(CancellationToken ct)
    {
        await mediator.Send(new DeleteNotificationEndpoint(MspId, EndpointId ?? Guid.Empty), ct);
        FlashOnNextPage("Endpoint removed. Nothing more is posted to it.");
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Endpoints = await mediator.Send(new ListNotificationEndpoints(MspId), ct);
        Tenants = [.. currentUser.Required.Tenants.Values.Where(t => t.Access == TenantAccess.Msp).OrderBy(t => t.Name, StringComparer.Ordinal)];
    }
}
