using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Escalations;

/// <summary>The MSP lead gives one shift [from, to) to an engineer; an overlapping override is refused (409).</summary>
[Requires(Permission.ManageEscalations)]
public sealed record AddOnCallOverride(Guid MspId, Guid? UserId, DateTimeOffset? From, DateTimeOffset? To) : ICommand<OnCallRotationView>, IMspRequest;

public sealed class AddOnCallOverrideValidator : AbstractValidator<AddOnCallOverride>
{
    public AddOnCallOverrideValidator(TimeProvider clock)
    {
        RuleFor(c => c.UserId).NotNull().WithMessage("userId is required: the engineer who takes the shift.");
        RuleFor(c => c.From).NotNull().WithMessage("from is required.");
        RuleFor(c => c.To).NotNull().WithMessage("to is required.");
        RuleFor(c => c.To).GreaterThan(c => c.From).When(c => c.From is not null && c.To is not null).WithMessage("to must be after from.");
        RuleFor(c => c.From).Must(at => at is null || OnCallRotation.IsWithinReach(at.Value, clock.GetUtcNow()))
            .WithMessage($"from must be within {OnCallRotation.YearsWithinReach} years of now.");
        RuleFor(c => c.To).Must(at => at is null || OnCallRotation.IsWithinReach(at.Value, clock.GetUtcNow()))
            .WithMessage($"to must be within {OnCallRotation.YearsWithinReach} years of now.");
    }
}

public sealed class AddOnCallOverrideHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<AddOnCallOverride, OnCallRotationView>
{
    public async ValueTask<OnCallRotationView> Handle(AddOnCallOverride command, CancellationToken cancellationToken)
    {
        var rotation = await db.OnCallRotations.Include(r => r.Overrides).FirstOrDefaultAsync(r => r.MspId == command.MspId, cancellationToken)
            ?? throw new DomainRuleException("no_rotation", "Set up the on-call rotation before adding overrides.");
        var people = await MspPeople.LoadAsync(db, command.MspId, cancellationToken);
        var now = clock.GetUtcNow();
        var added = rotation.AddOverride(command.UserId!.Value, command.From!.Value, command.To!.Value, people.Engineers, currentUser.Required.UserId, now);
        db.OnCallOverrides.Add(added);
        await db.SaveChangesAsync(cancellationToken);
        return OnCallRotationView.From(rotation, people.Names, now);
    }
}

/// <summary>The MSP lead removes an override; the rotation's engineer has the shift again.</summary>
[Requires(Permission.ManageEscalations)]
public sealed record RemoveOnCallOverride(Guid MspId, Guid OverrideId) : ICommand<OnCallRotationView>, IMspRequest;

public sealed class RemoveOnCallOverrideHandler(PortalDbContext db, TimeProvider clock) : ICommandHandler<RemoveOnCallOverride, OnCallRotationView>
{
    public async ValueTask<OnCallRotationView> Handle(RemoveOnCallOverride command, CancellationToken cancellationToken)
    {
        var rotation = await db.OnCallRotations.Include(r => r.Overrides).FirstOrDefaultAsync(r => r.MspId == command.MspId, cancellationToken)
            ?? throw new NotFoundException("override", command.OverrideId);
        var now = clock.GetUtcNow();
        rotation.RemoveOverride(command.OverrideId, now);
        await db.SaveChangesAsync(cancellationToken);
        var people = await MspPeople.LoadAsync(db, command.MspId, cancellationToken);
        return OnCallRotationView.From(rotation, people.Names, now);
    }
}
