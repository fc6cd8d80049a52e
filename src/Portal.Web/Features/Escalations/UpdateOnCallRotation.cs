using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Escalations;

/// <summary>The MSP lead sets up or changes the weekly rotation (overrides are kept).</summary>
[Requires(Permission.ManageEscalations)]
public sealed record UpdateOnCallRotation(Guid MspId, string? TimeZone, DayOfWeek? HandoffDay, TimeOnly? HandoffTime, DateOnly? StartsOn, IReadOnlyList<Guid>? Engineers)
    : ICommand<OnCallRotationView>, IMspRequest;

public sealed class UpdateOnCallRotationValidator : AbstractValidator<UpdateOnCallRotation>
{
    public UpdateOnCallRotationValidator(TimeProvider clock)
    {
        RuleFor(c => c.TimeZone).NotEmpty().WithMessage("timeZone is required: an IANA zone such as Europe/Berlin.");
        RuleFor(c => c.HandoffDay).NotNull().IsInEnum().WithMessage("handoffDay is required: Monday … Sunday.");
        RuleFor(c => c.HandoffTime).NotNull().WithMessage("handoffTime is required, e.g. 09:00:00.");
        RuleFor(c => c.StartsOn).NotNull().WithMessage("startsOn is required: a date in the first engineer's first week.")
            .Must(d => d is null || OnCallRotation.IsWithinReach(d.Value, clock.GetUtcNow()))
            .WithMessage($"startsOn must be within {OnCallRotation.YearsWithinReach} years of today.");
        RuleFor(c => c.Engineers).NotEmpty().WithMessage("engineers is required: the MSP's engineers in rotation order.");
    }
}

public sealed class UpdateOnCallRotationHandler(PortalDbContext db, TimeProvider clock) : ICommandHandler<UpdateOnCallRotation, OnCallRotationView>
{
    public async ValueTask<OnCallRotationView> Handle(UpdateOnCallRotation command, CancellationToken cancellationToken)
    {
        var people = await MspPeople.LoadAsync(db, command.MspId, cancellationToken);
        var now = clock.GetUtcNow();
        var rotation = await db.OnCallRotations.Include(r => r.Overrides).FirstOrDefaultAsync(r => r.MspId == command.MspId, cancellationToken);
        if (rotation is null)
        {
            rotation = new OnCallRotation(command.MspId, command.TimeZone!, command.HandoffDay!.Value, command.HandoffTime!.Value, command.StartsOn!.Value,
                command.Engineers!, people.Engineers, now);
            db.OnCallRotations.Add(rotation);
        }
        else
        {
            rotation.Change(command.TimeZone!, command.HandoffDay!.Value, command.HandoffTime!.Value, command.StartsOn!.Value, command.Engineers!, people.Engineers, now);
        }
        await db.SaveChangesAsync(cancellationToken);
        return OnCallRotationView.From(rotation, people.Names, now);
    }
}
