using Portal.Pipeline.Commit;

namespace Portal.Features.CustomerStatus;

public static class CustomerStatusSetup
{
    /// <summary>The status snapshot cache, the status page's output cache policy, and the reaction that keeps both current.</summary>
    public static void AddCustomerStatus(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CustomerStatusCache>();
        builder.Services.AddOutputCache(o => o.AddPolicy(StatusPageCachePolicy.Name, new StatusPageCachePolicy()));
        builder.Services.AddSingleton<ICommitReaction, RefreshStatusAfterCommit>();
        builder.Services.AddSingleton<IAccessRevoker, EvictStatusPagesOnRevocation>();
    }
}
