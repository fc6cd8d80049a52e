using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Escalations;

/// <summary>
/// The MSP's escalation policy and on-call rotation: its engineers read them and see who is on call now; its lead edits the targets
/// and the rotation here (levels through the API). Everything goes through the API's messages, so the rules and refusals are the same.
/// A user in no MSP gets the not-found page.
/// </summary>
[Authorize]
public sealed class EscalationsModel(IMediator mediator, CurrentUser currentUser) : PortalPageModel
{
    public sealed class TargetInput
    {
        public Severity Severity { get; set; }
        public int AcknowledgeMinutes { get; set; }
        public int ResolveMinutes { get; set; }
    }

    public sealed class RotationInput
    {
        public string? TimeZone { get; set; }
        public DayOfWeek? HandoffDay { get; set; }
        public TimeOnly? HandoffTime { get; set; }
        public DateOnly? StartsOn { get; set; }
        public List<Guid> Engineers { get; set; } = [];
    }

    [BindProperty] public List<TargetInput> Targets { get; set; } = [];
    [BindProperty] public RotationInput Rotation { get; set; } = new();

    public Guid MspId { get; private set; }
    public string MspName { get; private set; } = "";
    public bool IsLead { get; private set; }
    public EscalationPolicyView Policy { get; private set; } = null!;
    public OnCallRotationView? CurrentRotation { get; private set; }
    public OnCallNowView? OnCall { get; private set; }
    public IReadOnlyList<PersonView> People { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        return Page();
    }

    public async Task<IActionResult> OnPostTargetsAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct, keepInput: true)) return NotFound();
        try
        {
            await mediator.Send(new UpdateEscalationPolicy(MspId, [.. Targets.Select(t => new SeverityTarget(t.Severity, t.AcknowledgeMinutes, t.ResolveMinutes))],
                [.. Policy.Levels.Select(l => new LevelInput(l.Kind, l.AfterMinutes, [.. l.Users.Select(u => u.Id)], l.Roles, l.OnCall, l.Channels))]), ct);
            FlashOnNextPage("Targets saved. New incidents, and incidents whose severity or status changes, follow them.");
            return RedirectToPage();
        }
        catch (Exception e) when (ShowProblem(e, "Targets"))
        {
        }
        return Page();
    }

    public async Task<IActionResult> OnPostRotationAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct, keepInput: true)) return NotFound();
        try
        {
            await mediator.Send(new UpdateOnCallRotation(MspId, Rotation.TimeZone, Rotation.HandoffDay, Rotation.HandoffTime, Rotation.StartsOn, Rotation.Engineers), ct);
            FlashOnNextPage("Rotation saved.");
            return RedirectToPage();
        }
        catch (Exception e) when (ShowProblem(e, "Rotation"))
        {
        }
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct, bool keepInput = false)
    {
        var me = currentUser.Required;
        var msp = me.Memberships.FirstOrDefault(m => m.Kind == OrganisationKind.Msp && m.Role is Role.MspLead or Role.MspEngineer);
        if (msp is null) return false;
        MspId = msp.OrganisationId;
        MspName = msp.OrganisationName;
        IsLead = me.HasIn(Permission.ManageEscalations, MspId);
        Policy = await mediator.Send(new GetEscalationPolicy(MspId), ct);
        OnCall = await mediator.Send(new GetOnCallNow(MspId, null), ct);
        try
        {
            CurrentRotation = await mediator.Send(new GetOnCallRotation(MspId), ct);
        }
        catch (NotFoundException)
        {
            CurrentRotation = null; // not set up yet
        }
        People = await mediator.Send(new ListMspEngineers(MspId), ct);
        if (!keepInput)
        {
            Targets = [.. Policy.Targets.Select(t => new TargetInput { Severity = t.Severity, AcknowledgeMinutes = t.AcknowledgeMinutes, ResolveMinutes = t.ResolveMinutes })];
            Rotation = CurrentRotation is { } r
                ? new RotationInput { TimeZone = r.TimeZone, HandoffDay = r.HandoffDay, HandoffTime = r.HandoffTime, StartsOn = r.StartsOn, Engineers = [.. r.Engineers.Select(e => e.Id)] }
                : new RotationInput { TimeZone = "Europe/Berlin", HandoffDay = DayOfWeek.Monday, HandoffTime = new TimeOnly(9, 0) };
        }
        return true;
    }
}
