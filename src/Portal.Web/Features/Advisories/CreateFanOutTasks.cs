using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Advisories;

/// <summary>
/// The second unit of work of a fan-out, sent once per chunk (<see cref="FanOutTasks.ChunkSize"/> devices, a transaction each):
/// a remediation task per matching device for the incidents the advisory's fan-outs opened in the user's tenants and still owe
/// tasks (their <see cref="FanOutTaskPlan"/>s), each plan moved on or, when done, removed in the same transaction. Answers the
/// tasks created per incident and whether more are owed. It takes the plans of the incidents its own <see cref="FanOutAdvisory"/>
/// just opened (<see cref="OpenedIncidents"/>) and any plan left untouched for <see cref="FanOutTaskSweep.StaleAfter"/> (the call
/// that made it stopped between the two), never a plan another call is working on: an engineer who double-clicks, or two at once,
/// each answer for their own incidents (before, the second could create the first's tasks, and the first answered "0 devices" for
/// the incident it opened). Were two to meet on one plan anyway, each task is created once: the second's move of a plan the first
/// already moved conflicts, and its re-run goes on from where that one got.
/// </summary>
[Requires(Permission.WorkAdvisories)]
public sealed record CreateFanOutTasks(Guid AdvisoryId, IReadOnlyCollection<Guid> OpenedIncidents) : ICommand<FanOutChunk>, IAdvisoryRequest, IRetriedOnConflict;

public sealed class CreateFanOutTasksHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock, IOptions<AdvisoryOptions> options)
    : ICommandHandler<CreateFanOutTasks, FanOutChunk>
{
    public async ValueTask<FanOutChunk> Handle(CreateFanOutTasks command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        // The filtered context holds the user's tenants only; of those, the ones the user works advisories in (as FanOutAdvisory).
        var staleBefore = clock.GetUtcNow() - FanOutTaskSweep.StaleAfter;
        var plans = (await db.FanOutTaskPlans.Where(p => p.AdvisoryId == command.AdvisoryId).ToListAsync(cancellationToken))
            .Where(p => user.AccessTo(p.TenantId) == TenantAccess.Msp && user.Has(Permission.WorkAdvisories, p.TenantId))
            .Where(p => command.OpenedIncidents.Contains(p.IncidentId) || p.TouchedAt < staleBefore).ToList();
        return await FanOutTasks.CreateChunkAsync(db, plans, clock.GetUtcNow(), cancellationToken, options.Value.FanOutChunkSize);
    }
}
