using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Advisories;

/// <summary>
/// The second unit of work of a fan-out: a remediation task per matching device for each incident the advisory's fan-outs
/// opened in the user's tenants and still owe tasks (their <see cref="FanOutTaskPlan"/>s), the plans removed in the same
/// transaction. Answers the tasks created per incident. Normally it finds the plans its own <see cref="FanOutAdvisory"/> just
/// made; it also finishes what an earlier call left (the process stopped between the two), and two engineers at once create
/// each task once: the second's removal of a plan the first already removed conflicts, and its re-run finds nothing left.
/// </summary>
[Requires(Permission.WorkAdvisories)]
public sealed record CreateFanOutTasks(Guid AdvisoryId) : ICommand<IReadOnlyDictionary<Guid, int>>, IAdvisoryRequest, IRetriedOnConflict;

public sealed class CreateFanOutTasksHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<CreateFanOutTasks, IReadOnlyDictionary<Guid, int>>
{
    public async ValueTask<IReadOnlyDictionary<Guid, int>> Handle(CreateFanOutTasks command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        // The filtered context holds the user's tenants only; of those, the ones the user works advisories in (as FanOutAdvisory).
        var plans = (await db.FanOutTaskPlans.Where(p => p.AdvisoryId == command.AdvisoryId).ToListAsync(cancellationToken))
            .Where(p => user.AccessTo(p.TenantId) == TenantAccess.Msp && user.Has(Permission.WorkAdvisories, p.TenantId)).ToList();
        return await FanOutTasks.CreateAsync(db, plans, clock.GetUtcNow(), cancellationToken);
    }
}
