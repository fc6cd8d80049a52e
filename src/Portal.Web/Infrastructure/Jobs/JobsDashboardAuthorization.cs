using Hangfire.Dashboard;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Infrastructure.Jobs;

/// <summary>
/// Who may open the Hangfire dashboard: a Portal user (resolved by <see cref="PortalUserMiddleware"/> from the page
/// cookie) with <see cref="Permission.ViewBackgroundJobs"/>, a PlatformAdmin. Everyone else signed in gets 403 from the
/// dashboard; the anonymous never get this far (the endpoint requires authentication). Hangfire has no notion of tenants: the
/// dashboard shows every organisation's jobs, their arguments and a failed job's exception, so an MSP's lead, who once had it
/// read-only, no longer gets in (an MSP follows its own imports, escalations and notifications on its pages and in its API).
/// </summary>
public sealed class JobsDashboardAuthorization : IDashboardAsyncAuthorizationFilter
{
    public Task<bool> AuthorizeAsync(DashboardContext context) =>
        Task.FromResult(UserOf(context) is { } user && user.Has(Permission.ViewBackgroundJobs));

    private static UserAccess? UserOf(DashboardContext context) =>
        context.GetHttpContext().RequestServices.GetRequiredService<CurrentUser>().Access;
}
