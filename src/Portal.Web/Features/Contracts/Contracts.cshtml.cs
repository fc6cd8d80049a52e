using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Features.Organisations;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Contracts;

/// <summary>
/// MSP contracts: an MSP lead proposes (the customer's tenant id and a message), withdraws and ends; a customer admin reads the tenant id
/// to share, accepts or declines proposals and ends active contracts; the platform operator creates active contracts directly and sees all.
/// Every step is the API's command, so the rules and refusals are the same; the forms shown follow the user's roles, nothing more.
/// </summary>
[Authorize]
public sealed class ContractsModel(IMediator mediator, CurrentUser currentUser) : PortalPageModel
{
    public sealed class ProposalInput
    {
        public Guid MspId { get; set; }
        public string? CustomerId { get; set; }
        public string? Message { get; set; }
    }

    public sealed class CreateInput
    {
        public Guid? MspId { get; set; }
        public Guid? CustomerId { get; set; }
    }

    [BindProperty] public ProposalInput Proposal { get; set; } = new();
    [BindProperty] public CreateInput Create { get; set; } = new();

    /// <summary>The state the list is narrowed to (?state=Proposed), or null for all.</summary>
    [BindProperty(SupportsGet = true, Name = "state")] public ContractState? State { get; set; }

    public IReadOnlyList<ContractView> Contracts { get; private set; } = [];

    /// <summary>The MSPs the user may propose for (as their lead).</summary>
    public IReadOnlyList<MembershipAccess> LeadOf { get; private set; } = [];

    /// <summary>The customer tenants the user administers: their ids are what an MSP proposes with.</summary>
    public IReadOnlyList<MembershipAccess> AdminOf { get; private set; } = [];

    /// <summary>For the platform operator's direct creation: the MSPs and customer tenants to choose from.</summary>
    public IReadOnlyList<OrganisationView> Organisations { get; private set; } = [];

    public bool CanCreate { get; private set; }

    public IReadOnlyList<string> ErrorsOf(string key) =>
        ModelState.TryGetValue(key, out var entry) ? [.. entry.Errors.Select(e => e.ErrorMessage)] : [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public Task<IActionResult> OnPostProposeAsync(CancellationToken ct)
    {
        if (!Guid.TryParse(Proposal.CustomerId?.Trim(), out var customerId))
        {
            ModelState.AddModelError("Proposal.CustomerId", "That is not a tenant id. The customer's admin reads it on their Contracts page; it looks like 0f8fad5b-d9cb-469f-a165-70867728950e.");
            ShowInvalid();
            return ReloadAsync(ct);
        }
        return RunAsync(async () =>
        {
            var contract = await mediator.Send(new ProposeContract(Proposal.MspId, customerId, Proposal.Message), ct);
            return $"Proposed to {contract.CustomerName}; their admin will accept or decline.";
        }, "Proposal", ct);
    }

    public Task<IActionResult> OnPostCreateAsync(CancellationToken ct) => RunAsync(async () =>
    {
        var contract = await mediator.Send(new CreateContract(Create.MspId, Create.CustomerId), ct);
        return $"{contract.MspName} manages {contract.CustomerName} from now on.";
    }, "Create", ct);

    public Task<IActionResult> OnPostAcceptAsync(Guid id, CancellationToken ct) => RunAsync(async () =>
    {
        var contract = await mediator.Send(new AcceptContract(id), ct);
        return $"Accepted: {contract.MspName} manages {contract.CustomerName} from now on.";
    }, null, ct);

    public Task<IActionResult> OnPostDeclineAsync(Guid id, CancellationToken ct) => RunAsync(async () =>
    {
        var contract = await mediator.Send(new DeclineContract(id), ct);
        return $"Declined {contract.MspName}'s proposal.";
    }, null, ct);

    public Task<IActionResult> OnPostWithdrawAsync(Guid id, CancellationToken ct) => RunAsync(async () =>
    {
        var contract = await mediator.Send(new WithdrawContract(id), ct);
        return $"Withdrew the proposal to {contract.CustomerName}.";
    }, null, ct);

    public Task<IActionResult> OnPostEndAsync(Guid id, CancellationToken ct) => RunAsync(async () =>
    {
        var contract = await mediator.Send(new EndContract(id), ct);
        return $"Ended: {contract.MspName} no longer manages {contract.CustomerName}.";
    }, null, ct);

    /// <summary>A step's command; success → the list again with a one-line confirmation, a refusal a user can cause → the banner on this page.</summary>
    private async Task<IActionResult> RunAsync(Func<Task<string>> step, string? fieldPrefix, CancellationToken ct)
    {
        try
        {
            FlashOnNextPage(await step());
            return RedirectToPage(new { state = State });
        }
        catch (Exception e) when (e is not NotPermittedException && ShowProblem(e, fieldPrefix))
        {
            return await ReloadAsync(ct);
        }
    }

    private async Task<IActionResult> ReloadAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var user = currentUser.Required;
        Contracts = await mediator.Send(new ListContracts(State is { } state ? [state] : null), ct);
        LeadOf = [.. user.Memberships.Where(m => m.Kind == OrganisationKind.Msp && RoleRules.Grants(m.Role, Permission.ManageContracts)).DistinctBy(m => m.OrganisationId)];
        AdminOf = [.. user.Memberships.Where(m => m.Kind == OrganisationKind.Customer && RoleRules.Grants(m.Role, Permission.ManageContracts)).DistinctBy(m => m.OrganisationId)];
        CanCreate = user.Has(Permission.CreateContracts);
        if (CanCreate) Organisations = await mediator.Send(new ListOrganisations(), ct);
        if (Proposal.MspId == Guid.Empty && LeadOf.Count > 0) Proposal.MspId = LeadOf[0].OrganisationId;
    }
}
