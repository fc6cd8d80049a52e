using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Escalations;

/// <summary>The MSP's rotation with its overrides and who is on call now; 404 until its lead sets one up.</summary>
[Requires(Permission.ReadEscalations)]
public sealed record GetOnCallRotation(Guid MspId) : IQuery<OnCallRotationView>, IMspRequest;

public sealed class GetOnCallRotationHandler(PortalDbContext db, TimeProvider clock) : IQueryHandler<GetOnCallRotation, OnCallRotationView>
{
    public async ValueTask<OnCallRotationView> Handle(GetOnCallRotation query, CancellationToken cancellationToken)
    {
        var rotation = await db.OnCallRotations.AsNoTracking().Include(r => r.Overrides).FirstOrDefaultAsync(r => r.MspId == query.MspId, cancellationToken)
            ?? throw new NotFoundException("on-call rotation", query.MspId);
        var people = await MspPeople.LoadAsync(db, query.MspId, cancellationToken);
        return OnCallRotationView.From(rotation, people.Names, clock.GetUtcNow());
    }
}

/// <summary>Who is on call at an instant (default: now) — what an escalation level "on call" resolves to at that moment.</summary>
[Requires(Permission.ReadEscalations)]
public sealed record GetOnCallNow(Guid MspId, DateTimeOffset? At) : IQuery<OnCallNowView>, IMspRequest;

public sealed class GetOnCallNowValidator : AbstractValidator<GetOnCallNow>
{
    public GetOnCallNowValidator(TimeProvider clock) =>
        RuleFor(q => q.At).Must(at => at is null || OnCallRotation.IsWithinReach(at.Value, clock.GetUtcNow()))
            .WithMessage($"at must be within {OnCallRotation.YearsWithinReach} years of now.");
}

public sealed class GetOnCallNowHandler(PortalDbContext db, TimeProvider clock) : IQueryHandler<GetOnCallNow, OnCallNowView>
{
    public async ValueTask<OnCallNowView> Handle(GetOnCallNow query, CancellationToken cancellationToken)
    {
        var rotation = await db.OnCallRotations.AsNoTracking().Include(r => r.Overrides).FirstOrDefaultAsync(r => r.MspId == query.MspId, cancellationToken);
        var people = await MspPeople.LoadAsync(db, query.MspId, cancellationToken);
        return OnCallNowView.From(rotation, people.Names, query.At ?? clock.GetUtcNow());
    }
}
