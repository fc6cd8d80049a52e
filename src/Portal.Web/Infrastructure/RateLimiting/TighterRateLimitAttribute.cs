namespace Portal.Infrastructure.RateLimiting;

/// <summary>
/// A route (or a page's form handler) that also draws on a tighter per-user budget (<see cref="RateLimitingSetup.UploadsBudget"/>,
/// <see cref="RateLimitingSetup.BulkUpdatesBudget"/>), after the user's and organisation's. Endpoint metadata read by
/// <see cref="PortalRequestLimiter"/>: on an API route through <c>RequireTighterRateLimit</c>; on a page model with
/// <see cref="Handler"/>, the form handler it applies to (a page endpoint serves every handler of the page, views too).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class TighterRateLimitAttribute(string budget) : Attribute
{
    public string Budget { get; } = budget;

    /// <summary>On a page: the handler's name (<c>OnPostImportAsync</c> → "Import"), matched on the request's <c>handler</c>; null: every request of the endpoint.</summary>
    public string? Handler { get; init; }

    public bool AppliesTo(HttpRequest request)
    {
        if (Handler is null) return true;
        var handler = request.RouteValues.TryGetValue("handler", out var routed) && routed is string r ? r : request.Query["handler"].ToString();
        return !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && string.Equals(handler, Handler, StringComparison.OrdinalIgnoreCase);
    }
}
