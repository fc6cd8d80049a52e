using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Portal.Features.Advisories;

/// <summary>A fan-out as its callers (the API and the advisory page) run it: the incidents, committed and announced, then their tasks.</summary>
public static class FanOutActions
{
    public static async Task<FanOutResult> FanOutAsync(this IMediator mediator, FanOutAdvisory command, CancellationToken ct)
    {
        var result = await mediator.Send(command, ct);
        // Not cancelled with the request: once the incidents exist their tasks should follow (and the sweep would make them later).
        // A chunk per transaction, so the writers of everyone else's work take turns with a million devices' tasks.
        var tasks = new Dictionary<Guid, int>();
        for (var more = true; more;)
        {
            var chunk = await mediator.Send(new CreateFanOutTasks(command.AdvisoryId), CancellationToken.None);
            foreach (var (incident, count) in chunk.Created) tasks[incident] = tasks.GetValueOrDefault(incident) + count;
            more = chunk.More;
        }
        List<FanOutTenantResult> tenants = [.. result.Tenants.Select(t => t with { Tasks = t.IncidentId is { } id ? tasks.GetValueOrDefault(id) : 0 })];
        return result with { TasksCreated = tenants.Sum(t => t.Tasks), Tenants = tenants };
    }
}
