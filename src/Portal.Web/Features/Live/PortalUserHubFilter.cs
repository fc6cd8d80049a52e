using Microsoft.AspNetCore.SignalR;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Live;

/// <summary>
/// Hub calls run in their own DI scope, outside the HTTP middleware: resolve the Portal user (and open the
/// tenant scope the query filters read) for the connect and for every invocation, as the middleware does
/// for a request. An unknown user or tenant is refused.
/// </summary>
public sealed class PortalUserHubFilter(UserAccessCache cache) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        await ResolveAsync(invocationContext.Context, invocationContext.ServiceProvider);
        return await next(invocationContext);
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await ResolveAsync(context.Context, context.ServiceProvider);
        await next(context);
    }

    private async Task ResolveAsync(HubCallerContext context, IServiceProvider services)
    {
        if (await PortalUserMiddleware.ResolveAsync(context.User, services, cache, context.ConnectionAborted) is null)
            throw new HubException("Your account or organisation is not known to Portal.");
    }
}
