using Hangfire.Dashboard;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Infrastructure.Jobs;

/// <summary>
/// Who may open the Hangfire dashboard: a Portal user (resolved by <see cref="PortalUserMiddleware"/> from the page
/// cookie) with <see cref="Permission.ViewBackgroundJobs"/> — PlatformAdmin and MspLead. Everyone else signed in gets
/// 403 from the dashboard; the anonymous never get this far (the endpoint requires authentication). Only a PlatformAdmin
/// may act (retry, delete, trigger): the dashboard is read-only for an MspLead, because it shows every tenant's jobs.
/// </summary>
public sealed class JobsDashboardAuthorization : IDashboardAsyncAuthorizationFilter
{
    public Task<bool> AuthorizeAsync(DashboardContext context) =>
        Task.FromResult(UserOf(context) is { } user && user.Has(Permission.ViewBackgroundJobs));

    public static bool IsReadOnly(DashboardContext context) => UserOf(context) is not { IsPlatformAdmin: true };

    private static UserAccess? UserOf(DashboardContext context) =>
        context.GetHttpContext().RequestServices.GetRequiredService<CurrentUser>().Access;
}
