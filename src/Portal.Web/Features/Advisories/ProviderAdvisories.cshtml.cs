using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Advisories;

/// <summary>The provider's advisories, newest first, each leading to its impact dashboard; publishers also get "New advisory".</summary>
[Authorize]
public sealed class ProviderAdvisoriesModel(IMediator mediator, CurrentUser currentUser, TimeProvider clock) : PortalPageModel
{
    public IReadOnlyList<AdvisorySummary> Advisories { get; private set; } = [];

    /// <summary>The providers whose public feed the user can point others to.</summary>
    public IReadOnlyList<(Guid Id, string Name)> Providers { get; private set; } = [];

    public bool CanPublish { get; private set; }

    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        // Refused (403) for anyone without a provider role: the list is the provider's own.
        Advisories = await mediator.Send(new ListProviderAdvisories(), ct);
        var me = currentUser.Required;
        Providers = [.. me.Memberships.Where(m => m.Kind == OrganisationKind.Provider).Select(m => (m.OrganisationId, m.OrganisationName)).Distinct()];
        CanPublish = Providers.Any(p => me.HasIn(Permission.PublishAdvisories, p.Id));
        return Page();
    }
}
