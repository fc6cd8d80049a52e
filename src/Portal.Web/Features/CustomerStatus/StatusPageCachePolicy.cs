using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Auth;

namespace Portal.Features.CustomerStatus;

/// <summary>
/// The rendered status page, kept per user, tenant and live sequence for a few seconds and dropped the moment
/// the tenant changes (tag <c>status:{tenantId}</c>, evicted by <see cref="CustomerStatusCache.InvalidateAsync"/>).
/// During an outage thousands of people reload the same page: it is rendered once per change, not per reload.
/// Authentication and authorization have run before a cached page is served; the key holds the user, so a
/// page is only ever served to the person it was rendered for.
/// </summary>
public sealed class StatusPageCachePolicy : IOutputCachePolicy
{
    public const string Name = "CustomerStatusPage";
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    public static string Tag(Guid tenantId) => $"status:{tenantId:N}";

    /// <summary>Every status page rendered for one user: dropped when their access changes (<see cref="EvictStatusPagesOnRevocation"/>).</summary>
    public static string UserTag(Guid userId) => $"status-user:{userId:N}";

    public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var http = context.HttpContext;
        var user = http.RequestServices.GetRequiredService<CurrentUser>().Access;
        // live.js's refetch of the region alone (StatusModel.RegionsOnly) is not kept per user: the region's markup is the
        // snapshot's, shared by everyone, and a copy per person and change would only fill the store.
        var cacheable = user is not null && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
                        && http.Request.Query[PortalPageModel.LiveRegionsQuery] != PortalPageModel.LiveRegionsValue;
        context.EnableOutputCaching = true;
        context.AllowCacheLookup = cacheable;
        context.AllowCacheStorage = cacheable;
        context.AllowLocking = true; // concurrent misses render once
        if (!cacheable) return ValueTask.CompletedTask;

        context.CacheVaryByRules.VaryByValues["user"] = user!.UserId.ToString("N");
        // The layout's sign-out form holds an antiforgery token bound to this browser's antiforgery cookie: the same user in
        // another browser gets a page of its own. (A first visit, which sets that cookie, is not stored: see ServeResponseAsync.)
        var antiforgeryCookie = http.RequestServices.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.Name!;
        context.CacheVaryByRules.VaryByValues["antiforgery"] = http.Request.Cookies[antiforgeryCookie] ?? "";
        context.CacheVaryByRules.RouteValueNames = "tenantId";
        context.CacheVaryByRules.QueryKeys = "sequence";
        context.ResponseExpirationTimeSpan = Lifetime;
        var tenants = http.Request.RouteValues["tenantId"] is string id && Guid.TryParse(id, out var tenantId) ? [tenantId] : user.Tenants.Keys;
        foreach (var tenant in tenants) context.Tags.Add(Tag(tenant));
        context.Tags.Add(UserTag(user.UserId));
        return ValueTask.CompletedTask;
    }

    public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

    public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var response = context.HttpContext.Response;
        // Only the page itself: never a refusal, a redirect, or a response that renews the sign-in cookie.
        if (response.StatusCode != StatusCodes.Status200OK || response.Headers.SetCookie.Count > 0) context.AllowCacheStorage = false;
        return ValueTask.CompletedTask;
    }
}
