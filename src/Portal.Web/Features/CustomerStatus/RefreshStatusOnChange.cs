using Mediator;
using Portal.Pipeline;

namespace Portal.Features.CustomerStatus;

/// <summary>A committed change in a tenant drops its cached status, so the next read rebuilds it (one query set per change).</summary>
public sealed class RefreshStatusOnChange(CustomerStatusCache cache) : INotificationHandler<TenantsChanged>
{
    public ValueTask Handle(TenantsChanged notification, CancellationToken cancellationToken)
    {
        foreach (var tenantId in notification.TenantIds) cache.Invalidate(tenantId);
        return ValueTask.CompletedTask;
    }
}
