using Portal.Infrastructure.Text;
using Portal.Pipeline.Commit;

namespace Portal.Features.Advisories;

public static class AdvisoriesSetup
{
    /// <summary>Safe Markdown for runbooks and updates, and the reaction that tells the provider and the targeted tenants.</summary>
    public static void AddAdvisories(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SafeMarkdown>();
        builder.Services.AddSingleton<ICommitReaction, AnnounceAdvisories>();
    }
}
