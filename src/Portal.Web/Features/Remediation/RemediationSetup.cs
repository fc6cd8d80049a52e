using Portal.Pipeline.Commit;

namespace Portal.Features.Remediation;

public static class RemediationSetup
{
    /// <summary>A tenant's recovery (counts and burn-down), shared by everyone who reads it until its counters change.</summary>
    public static void AddRemediation(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TenantRecoveryCache>();
        builder.Services.AddSingleton<ICommitReaction, RefreshRecoveryAfterCommit>();
    }
}
