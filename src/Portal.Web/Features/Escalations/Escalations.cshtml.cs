using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Features.Notifications;
using Portal.Infrastructure.Auth;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Escalations;

/// <summary>
/// The MSP's escalation policy and on-call rotation: its engineers read them and see who is on call now; its lead edits the targets,
/// the levels and the rotation here. Everything goes through the API's messages (targets and levels: <see cref="UpdateEscalationPolicy"/>),
/// so the rules and refusals are the same. A user in no MSP gets the not-found page.
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

    /// <summary>One row of the levels form: an existing level, or a blank row to add one (left blank: ignored).</summary>
    public sealed class LevelRow
    {
        public EscalationKind Kind { get; set; }
        public int? AfterMinutes { get; set; }
        public List<Guid> Users { get; set; } = [];
        public List<Role> Roles { get; set; } = [];
        public bool OnCall { get; set; }

        /// <summary>Channel (endpoint) names, separated by commas or spaces.</summary>
        public string? Channels { get; set; }

        public bool Remove { get; set; }

        public bool IsBlank => AfterMinutes is null && Users.Count == 0 && Roles.Count == 0 && !OnCall && string.IsNullOrWhiteSpace(Channels);

        public IReadOnlyList<string> ChannelList => (Channels ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Blank rows offered under the existing levels, to add new ones.</summary>
    public const int BlankLevelRows = 2;

    /// <summary>The roles a level may name.</summary>
    public static readonly IReadOnlyList<Role> LevelRoles = [Role.MspEngineer, Role.MspLead];

    [BindProperty] public List<TargetInput> Targets { get; set; } = [];
    [BindProperty] public List<LevelRow> Levels { get; set; } = [];
    [BindProperty] public RotationInput Rotation { get; set; } = new();
    [BindProperty] public OverrideInput Override { get; set; } = new();
    [BindProperty] public Guid? TargetsTenant { get; set; }
    [BindProperty] public List<TenantTargetInput> TenantTargets { get; set; } = [];

    /// <summary>One severity of a tenant's contract targets; both blank: the policy's.</summary>
    public sealed class TenantTargetInput
    {
        public Severity Severity { get; set; }
        public int? AcknowledgeMinutes { get; set; }
        public int? ResolveMinutes { get; set; }
    }

    /// <summary>Each managed tenant's targets: the policy's, tightened by its contract (<see cref="ListContractTargets"/>).</summary>
    public IReadOnlyList<ContractTargetsRow> ContractTargets { get; private set; } = [];

    /// <summary>One shift given to an engineer: wall-clock times in the rotation's time zone, as a lead thinks of a night shift.</summary>
    public sealed class OverrideInput
    {
        public Guid? UserId { get; set; }
        public DateTime? From { get; set; }
        public DateTime? To { get; set; }
    }

    public Guid MspId { get; private set; }
    public string MspName { get; private set; } = "";
    public bool IsLead { get; private set; }

    /// <summary>Whether to link the delivery log: what the levels actually sent, and what failed.</summary>
    public bool MayReadDeliveries { get; private set; }

    /// <summary>Whether to link the endpoints a level's Channels name.</summary>
    public bool MayManageEndpoints { get; private set; }

    /// <summary>The names a level's Channels may use (the MSP's endpoints), for the lead.</summary>
    public IReadOnlyList<string> EndpointNames { get; private set; } = [];
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
        if (!await LoadAsync(ct, keep: nameof(Targets))) return NotFound();
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

    /// <summary>
    /// The levels, as the lead left the form: removed and blank rows dropped, each kind in the order of its minutes (the order they
    /// fire in), with the policy's current targets — one <see cref="UpdateEscalationPolicy"/>, as <c>PUT …/escalation-policy</c> sends.
    /// A validation failure names the form's row, not the command's position.
    /// </summary>
    public async Task<IActionResult> OnPostLevelsAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct, keep: nameof(Levels))) return NotFound();
        var rows = Levels.Select((row, index) => (row, index)).Where(r => !r.row.Remove && !r.row.IsBlank)
            .OrderBy(r => r.row.Kind).ThenBy(r => r.row.AfterMinutes ?? int.MinValue).ThenBy(r => r.index).ToList();
        try
        {
            await mediator.Send(new UpdateEscalationPolicy(MspId, Policy.Targets,
                [.. rows.Select(r => new LevelInput(r.row.Kind, r.row.AfterMinutes, r.row.Users, r.row.Roles, r.row.OnCall, r.row.ChannelList))]), ct);
            FlashOnNextPage("Levels saved. Incidents escalate by them from their next level on.");
            return RedirectToPage();
        }
        catch (ValidationException e)
        {
            // "Levels[2].AfterMinutes" of the command is the form's row rows[2].index.
            var failures = e.Errors.Select(f => System.Text.RegularExpressions.Regex.Match(f.PropertyName, @"^Levels\[(\d+)\](.*)$") is { Success: true } m
                    && int.TryParse(m.Groups[1].Value, out var i) && i < rows.Count
                ? new ValidationFailure($"Levels[{rows[i].index}]{m.Groups[2].Value}", f.ErrorMessage)
                : f);
            ShowProblem(new ValidationException(failures));
        }
        catch (Exception e) when (ShowProblem(e, "Levels"))
        {
        }
        return Page();
    }

    /// <summary>"true" for the aria-invalid attribute of a levels-form field with an error (e.g. "Levels[1].AfterMinutes"), else nothing.</summary>
    public string? Invalid(string key) => ModelState.TryGetValue(key, out var entry) && entry.Errors.Count > 0 ? "true" : null;

    /// <summary>Everyone a level may name: the MSP's engineers and leads, and anyone a stored level still names.</summary>
    public IReadOnlyList<PersonView> LevelPeople => [.. People.Concat(Policy.Levels.SelectMany(l => l.Users)).DistinctBy(p => p.Id)];

    public async Task<IActionResult> OnPostRotationAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct, keep: nameof(Rotation))) return NotFound();
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

    /// <summary>
    /// A lead hands tonight's shift to someone else (<see cref="AddOnCallOverride"/>): the times are read in the rotation's own
    /// time zone, the one its hand-off is stated in; the command's refusals (an overlap, not an engineer, over 31 days) come back
    /// beside the form.
    /// </summary>
    public async Task<IActionResult> OnPostOverrideAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        try
        {
            var zone = CurrentRotation is { } r ? OnCallRotation.FindZone(r.TimeZone) : TimeZoneInfo.Utc;
            var rotation = await mediator.Send(new AddOnCallOverride(MspId, Override.UserId, InZone(Override.From, zone), InZone(Override.To, zone)), ct);
            var person = People.FirstOrDefault(p => p.Id == Override.UserId)?.Name ?? "The engineer";
            FlashOnNextPage($"{person} is on call from {Override.From:yyyy-MM-dd HH:mm} to {Override.To:yyyy-MM-dd HH:mm} ({rotation.TimeZone}).");
            return RedirectToPage();
        }
        catch (Exception e) when (ShowProblem(e, nameof(Override)))
        {
        }
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveOverrideAsync(Guid overrideId, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        try
        {
            await mediator.Send(new RemoveOnCallOverride(MspId, overrideId), ct);
            FlashOnNextPage("Override removed: the rotation's engineer has the shift again.");
            return RedirectToPage();
        }
        catch (Exception e) when (ShowProblem(e, nameof(Override)))
        {
        }
        return Page();
    }

    /// <summary>
    /// The lead sets what one tenant's contract promises (<see cref="TightenContractTargets"/>): a severity left blank keeps the
    /// policy's target, a looser one is refused (409, in the banner); all blank returns the tenant to the policy.
    /// </summary>
    public async Task<IActionResult> OnPostTenantTargetsAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        try
        {
            var targets = TenantTargets.Where(t => t.AcknowledgeMinutes is not null || t.ResolveMinutes is not null)
                .Select(t => new SeverityTarget(t.Severity, t.AcknowledgeMinutes ?? 0, t.ResolveMinutes ?? 0)).ToList();
            await mediator.Send(new TightenContractTargets(TargetsTenant ?? Guid.Empty, targets), ct);
            var tenant = ContractTargets.FirstOrDefault(r => r.TenantId == TargetsTenant)?.TenantName ?? "The tenant";
            FlashOnNextPage(targets.Count == 0 ? $"{tenant} follows the policy's targets again." : $"{tenant}'s contract targets saved. New incidents there follow them.");
            return RedirectToPage();
        }
        catch (Exception e) when (ShowProblem(e, nameof(TenantTargets)))
        {
        }
        return Page();
    }

    /// <summary>A wall-clock time of the rotation's zone as an instant, read as the rotation reads its hand-offs (OnCallRotation.ToInstant).</summary>
    private static DateTimeOffset? InZone(DateTime? local, TimeZoneInfo zone) =>
        local is { } wall ? OnCallRotation.ToInstant(DateTime.SpecifyKind(wall, DateTimeKind.Unspecified), zone) : null;

    /// <summary>An override's start or end as the form shows it: the wall-clock time in the rotation's zone.</summary>
    public string InRotationZone(DateTimeOffset at) =>
        CurrentRotation is { } r ? TimeZoneInfo.ConvertTime(at, OnCallRotation.FindZone(r.TimeZone)).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : Display.Iso(at);

    /// <param name="keep">The form that was posted (its input is shown again as sent); the other forms show what is stored.</param>
    private async Task<bool> LoadAsync(CancellationToken ct, string? keep = null)
    {
        var me = currentUser.Required;
        var msp = me.Memberships.FirstOrDefault(m => m.Kind == OrganisationKind.Msp && m.Role is Role.MspLead or Role.MspEngineer);
        if (msp is null) return false;
        MspId = msp.OrganisationId;
        MspName = msp.OrganisationName;
        IsLead = me.HasIn(Permission.ManageEscalations, MspId);
        MayReadDeliveries = me.HasIn(Permission.ReadDeliveryLog, MspId);
        MayManageEndpoints = me.HasIn(Permission.ManageNotificationEndpoints, MspId);
        // A level names endpoints by name and a typo reaches nobody: the lead sees the names there are.
        EndpointNames = MayManageEndpoints
            ? [.. (await mediator.Send(new ListNotificationEndpoints(MspId), ct)).Select(e => e.Name).Distinct().Order(StringComparer.Ordinal)]
            : [];
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
        ContractTargets = await mediator.Send(new ListContractTargets(MspId), ct);
        if (keep != nameof(Targets))
            Targets = [.. Policy.Targets.Select(t => new TargetInput { Severity = t.Severity, AcknowledgeMinutes = t.AcknowledgeMinutes, ResolveMinutes = t.ResolveMinutes })];
        if (keep != nameof(Levels))
        {
            Levels = [.. Policy.Levels.Select(l => new LevelRow
            {
                Kind = l.Kind, AfterMinutes = l.AfterMinutes, Users = [.. l.Users.Select(u => u.Id)], Roles = [.. l.Roles], OnCall = l.OnCall,
                Channels = string.Join(", ", l.Channels),
            })];
            for (var i = 0; i < BlankLevelRows; i++) Levels.Add(new LevelRow());
        }
        if (keep != nameof(Rotation))
        {
            Rotation = CurrentRotation is { } r
                ? new RotationInput { TimeZone = r.TimeZone, HandoffDay = r.HandoffDay, HandoffTime = r.HandoffTime, StartsOn = r.StartsOn, Engineers = [.. r.Engineers.Select(e => e.Id)] }
                : new RotationInput { TimeZone = "Europe/Berlin", HandoffDay = DayOfWeek.Monday, HandoffTime = new TimeOnly(9, 0) };
        }
        return true;
    }
}
