using Portal.Infrastructure.Text;

namespace Portal.Features.Advisories;

public static class AdvisoriesSetup
{
    /// <summary>
    /// Safe Markdown for runbooks and updates, and the sweep that finishes fan-outs stopped between their incidents and their
    /// tasks, and the sampler that records each advisory's burn-down for its provider. (Live tells the provider and the targeted tenants: Live/AnnounceAdvisories.)
    /// </summary>
    public static void AddAdvisories(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SafeMarkdown>();
        builder.Services.AddScoped<FanOutTaskSweep>();
        builder.Services.AddScoped<FanOutActions>();
        builder.Services.AddHostedService<FanOutTaskSweep.Startup>();
        builder.Services.AddOptions<AdvisoryOptions>().Bind(builder.Configuration.GetSection(AdvisoryOptions.Section))
            .Validate(o => o.FanOutChunkSize >= 1, "Advisories:FanOutChunkSize must be at least 1.")
            .Validate(o => o.FanOutAnswerWithin >= TimeSpan.Zero, "Advisories:FanOutAnswerWithin may not be negative.").ValidateOnStart();
        builder.Services.AddScoped<AdvisoryProgressSampler>();
        builder.Services.AddHostedService<AdvisoryProgressSampler.Startup>();
    }
}
