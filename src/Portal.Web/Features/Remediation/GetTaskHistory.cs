using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>Every move of one task, oldest first: who (a person or an integration), when, from → to, why.</summary>
[Requires(Permission.WorkRemediation)]
public sealed record GetTaskHistory(Guid TaskId) : IQuery<IReadOnlyList<TaskChangeView>>, ITaskRequest;

public sealed class GetTaskHistoryHandler(PortalDbContext db) : IQueryHandler<GetTaskHistory, IReadOnlyList<TaskChangeView>>
{
    public async ValueTask<IReadOnlyList<TaskChangeView>> Handle(GetTaskHistory query, CancellationToken cancellationToken)
    {
        var changes = await db.RemediationTaskChanges.AsNoTracking().Where(c => c.TaskId == query.TaskId)
            .OrderBy(c => c.At).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        return [.. changes.Select(TaskChangeView.Of)];
    }
}
