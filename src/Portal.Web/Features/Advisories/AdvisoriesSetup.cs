using Portal.Infrastructure.Text;

namespace Portal.Features.Advisories;

public static class AdvisoriesSetup
{
    /// <summary>Safe Markdown for runbooks and updates. (Live tells the provider and the targeted tenants: Live/AnnounceAdvisories.)</summary>
    public static void AddAdvisories(this WebApplicationBuilder builder) => builder.Services.AddSingleton<SafeMarkdown>();
}
