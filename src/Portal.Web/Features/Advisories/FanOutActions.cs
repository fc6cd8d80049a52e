using Hangfire;
using Mediator;
using Microsoft.Extensions.Options;

namespace Portal.Features.Advisories;

/// <summary>
/// A fan-out as its callers (the API and the advisory page) run it: the incidents, committed and announced, then their tasks a
/// chunk per transaction for as long as <see cref="AdvisoryOptions.FanOutAnswerWithin"/> allows. What is left then is finished
/// by a background job (<see cref="FanOutTaskSweep.FinishAsync"/>) and the answer says so: a million devices took 16 s, longer
/// than a person waits for a page or many API clients for an answer, and the incidents exist from the first moment.
/// </summary>
public sealed class FanOutActions(IMediator mediator, IBackgroundJobClient jobs, TimeProvider clock, IOptions<AdvisoryOptions> options)
{
    public async Task<FanOutResult> FanOutAsync(FanOutAdvisory command, CancellationToken ct)
    {
        var result = await mediator.Send(command, ct);
        HashSet<Guid> opened = [.. result.Tenants.Where(t => t.Outcome == FanOutOutcome.Opened && t.IncidentId is not null).Select(t => t.IncidentId!.Value)];
        var started = clock.GetTimestamp();
        // Not cancelled with the request: once the incidents exist their tasks should follow.
        var tasks = new Dictionary<Guid, int>();
        var more = true;
        while (more)
        {
            var chunk = await mediator.Send(new CreateFanOutTasks(command.AdvisoryId, opened), CancellationToken.None);
            foreach (var (incident, count) in chunk.Created) tasks[incident] = tasks.GetValueOrDefault(incident) + count;
            more = chunk.More;
            if (more && clock.GetElapsedTime(started) >= options.Value.FanOutAnswerWithin)
            {
                jobs.Enqueue<FanOutTaskSweep>(sweep => sweep.FinishAsync(command.AdvisoryId, CancellationToken.None));
                break;
            }
        }
        List<FanOutTenantResult> tenants = [.. result.Tenants.Select(t => t with { Tasks = t.IncidentId is { } id ? tasks.GetValueOrDefault(id) : 0 })];
        return result with { TasksCreated = tenants.Sum(t => t.Tasks), Tenants = tenants, StillCreatingTasks = more };
    }
}
