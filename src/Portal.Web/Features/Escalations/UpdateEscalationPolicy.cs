using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Escalations;

public sealed record LevelInput(EscalationKind? Kind, int? AfterMinutes, IReadOnlyList<Guid>? UserIds, IReadOnlyList<Role>? Roles, bool? OnCall, IReadOnlyList<string>? Channels);

/// <summary>
/// The MSP lead replaces the policy whole: one target per severity and the levels per kind, in firing order. Incidents opened or
/// moved afterwards follow it; a running incident's next level follows it when its timer fires.
/// </summary>
[Requires(Permission.ManageEscalations)]
public sealed record UpdateEscalationPolicy(Guid MspId, IReadOnlyList<SeverityTarget>? Targets, IReadOnlyList<LevelInput>? Levels) : ICommand<EscalationPolicyView>, IMspRequest;

public sealed class UpdateEscalationPolicyValidator : AbstractValidator<UpdateEscalationPolicy>
{
    public UpdateEscalationPolicyValidator()
    {
        RuleFor(c => c.Targets).NotNull().WithMessage("Targets are required: one per severity (Sev1…Sev4) with acknowledgeMinutes and resolveMinutes.");
        // A null inside a list ("targets":[null]) deserialises; stopped here, it never reaches the policy (it was a 500).
        RuleForEach(c => c.Targets).Cascade(CascadeMode.Stop).NotNull().WithMessage("A target cannot be null: one object per severity.").ChildRules(t =>
        {
            t.RuleFor(x => x.Severity).IsInEnum().WithMessage("Severity must be Sev1, Sev2, Sev3 or Sev4.");
            t.RuleFor(x => x.AcknowledgeMinutes).InclusiveBetween(1, EscalationPolicy.MaxMinutes).WithMessage($"acknowledgeMinutes must be between 1 and {EscalationPolicy.MaxMinutes}.");
            t.RuleFor(x => x.ResolveMinutes).InclusiveBetween(1, EscalationPolicy.MaxMinutes).WithMessage($"resolveMinutes must be between 1 and {EscalationPolicy.MaxMinutes}.");
        });
        RuleFor(c => c.Levels).NotNull().WithMessage("Levels are required (an empty list escalates nothing).");
        RuleForEach(c => c.Levels).Cascade(CascadeMode.Stop).NotNull().WithMessage("A level cannot be null.").ChildRules(l =>
        {
            l.RuleForEach(x => x.Channels).NotEmpty().WithMessage("A channel name cannot be empty or null.");
            l.RuleFor(x => x.Kind).NotNull().IsInEnum().WithMessage("kind must be Acknowledge or Resolve.");
            l.RuleFor(x => x.AfterMinutes).NotNull().WithMessage("afterMinutes is required: the minutes after the breach the level fires at (0 = at the breach).")
                .InclusiveBetween(0, EscalationPolicy.MaxMinutes)
                .WithMessage($"afterMinutes (minutes after the breach) must be between 0 and {EscalationPolicy.MaxMinutes}.");
        });
    }
}

public sealed class UpdateEscalationPolicyHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<UpdateEscalationPolicy, EscalationPolicyView>
{
    public async ValueTask<EscalationPolicyView> Handle(UpdateEscalationPolicy command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var people = await MspPeople.LoadAsync(db, command.MspId, cancellationToken);
        var policy = await EscalationPlans.PolicyOfAsync(db, command.MspId, tracked: true, cancellationToken);
        if (policy.IsDefault) db.EscalationPolicies.Add(policy);
        policy.Replace(command.Targets!,
            [.. command.Levels!.Select(l => new EscalationLevel(l.Kind!.Value, 0, l.AfterMinutes!.Value, l.UserIds ?? [], l.Roles ?? [], l.OnCall ?? false, l.Channels ?? []))],
            people.Members, user.UserId, user.DisplayName, clock.GetUtcNow());
        await RequireEndpointsAsync(command.MspId, policy, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return EscalationPolicyView.From(policy, people.Names);
    }

    /// <summary>
    /// Each channel a level names is one of the MSP's webhook or Teams endpoints (by name, ignoring case): a misspelt one was
    /// accepted and its escalations went nowhere, silently. (An endpoint removed later is said on its page's confirmation.)
    /// </summary>
    private async Task RequireEndpointsAsync(Guid mspId, EscalationPolicy policy, CancellationToken ct)
    {
        var channels = policy.Levels.SelectMany(l => l.Channels).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (channels.Count == 0) return;
        var endpoints = await db.NotificationEndpoints.AsNoTracking().Where(e => e.MspId == mspId).Select(e => e.Name).ToListAsync(ct);
        if (channels.FirstOrDefault(c => !endpoints.Contains(c, StringComparer.OrdinalIgnoreCase)) is not { } unknown) return;
        var nameable = endpoints.Select(e => e.ToLowerInvariant()).Where(EscalationPolicy.IsChannelName).Order(StringComparer.Ordinal).ToList();
        throw new InvalidValueException("unknown_channel", $"No webhook or Teams endpoint of this MSP is named '{unknown}'. " + (nameable.Count > 0
            ? $"The endpoints a level can name: {string.Join(", ", nameable)}."
            : "Add one on the notification endpoints page first, named with lower-case letters, digits or dashes."));
    }
}
