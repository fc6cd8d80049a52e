using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Http;

namespace Portal.Features.Contracts;

/// <summary>MSP contracts under /api/v1/contracts: proposed by an MSP's lead, answered by the customer's admin, ended by either; created directly by the platform.</summary>
public static class ContractsApi
{
    /// <param name="MspId">The proposing MSP; may be left out by a lead of exactly one MSP.</param>
    /// <param name="CustomerId">The customer's tenant id, as its admin reads it on their Contracts page.</param>
    public sealed record ProposeContractBody(Guid? MspId, Guid? CustomerId, string? Message);

    public sealed record CreateContractBody(Guid? MspId, Guid? CustomerId);

    public static void MapContractsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/contracts").WithTags("Contracts").RequireAuthorization();

        api.MapGet("", async ([FromQuery(Name = "state")] string[]? state, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListContracts(HttpInput.EnumNames<ContractState>(state, "state")), ct)))
            .WithName("ListContracts")
            .WithSummary("The contracts you administer, history included (platform operator: all); ?state=Proposed&state=Active narrows them.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);

        api.MapGet("/{id:guid}", async (Guid id, IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new GetContract(id), ct)))
            .WithName("GetContract").WithSummary("One contract of your MSP or your tenant.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/proposals", async Task<Created<ContractView>> (ProposeContractBody body, CurrentUser currentUser, IMediator mediator, CancellationToken ct) =>
            {
                var mspId = body.MspId ?? SoleMspOf(currentUser.Required);
                var contract = await mediator.Send(new ProposeContract(mspId, body.CustomerId, body.Message), ct);
                return TypedResults.Created($"/api/v1/contracts/{contract.Id}", contract);
            })
            .WithName("ProposeContract")
            .WithSummary("An MSP lead proposes to manage a customer tenant (named by its tenant id), with an optional message; the customer's admin answers.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("", async Task<Created<ContractView>> (CreateContractBody body, IMediator mediator, CancellationToken ct) =>
            {
                var contract = await mediator.Send(new CreateContract(body.MspId, body.CustomerId), ct);
                return TypedResults.Created($"/api/v1/contracts/{contract.Id}", contract);
            })
            .WithName("CreateContract")
            .WithSummary("The platform operator makes an MSP manage a customer tenant at once, without a proposal.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        MapStep(api, "accept", "AcceptContract", "The customer's admin accepts the proposal: the MSP manages the tenant from now on.", id => new AcceptContract(id));
        MapStep(api, "decline", "DeclineContract", "The customer's admin declines the proposal.", id => new DeclineContract(id));
        MapStep(api, "withdraw", "WithdrawContract", "The MSP's lead withdraws its unanswered proposal.", id => new WithdrawContract(id));
        MapStep(api, "end", "EndContract", "Either side's admin (or the platform operator) ends an active contract.", id => new EndContract(id));
    }

    private static void MapStep(RouteGroupBuilder api, string step, string name, string summary, Func<Guid, ICommand<ContractView>> command) =>
        api.MapPost($"/{{id:guid}}/{step}", async (Guid id, IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(command(id), ct)))
            .WithName(name).WithSummary(summary + " A step the contract's state does not allow is 409 transition_not_allowed.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

    /// <summary>The MSP a lead of exactly one MSP proposes for; anything else must name it (an empty id is then "no such MSP").</summary>
    private static Guid SoleMspOf(UserAccess user)
    {
        var msps = user.Memberships.Where(m => m.Kind == OrganisationKind.Msp).Select(m => m.OrganisationId).Distinct().ToList();
        return msps.Count == 1 ? msps[0] : Guid.Empty;
    }
}
