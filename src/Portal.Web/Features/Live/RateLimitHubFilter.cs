using Microsoft.AspNetCore.SignalR;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.RateLimiting;

namespace Portal.Features.Live;

/// <summary>
/// Hub method calls are not HTTP requests, so the rate limiting middleware never sees them: each one draws on the same
/// per-user and per-organisation budgets as the API. Runs after <see cref="PortalUserHubFilter"/> has resolved the user.
/// </summary>
public sealed class RateLimitHubFilter(PortalRateLimits limits) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var access = invocationContext.ServiceProvider.GetRequiredService<CurrentUser>().Required;
        using (var lease = limits.AcquireFor(access))
        {
            if (!lease.IsAcquired)
                throw new HubException($"Too many requests in a short time. Try again in {RateLimitingSetup.RetryAfterSeconds(lease)} s.");
        }
        return await next(invocationContext);
    }
}
