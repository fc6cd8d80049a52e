using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Contracts;

/// <summary>A contract on the wire, read through a type of the test's own.</summary>
public sealed record ContractDto(Guid Id, Guid MspId, string MspName, Guid CustomerId, string CustomerName, bool MspDeactivated, bool CustomerDeactivated, string State, string? Message,
    DateTimeOffset? ProposedAt, string? ProposedBy, DateTimeOffset? StartedAt, string? StartedBy, DateTimeOffset? ClosedAt, string? ClosedBy,
    DateTimeOffset? EndedAt, string? EndedBy, string? EndedBySide, string[] Actions);

/// <summary>
/// The contract lifecycle through the API on a real database: proposed by an MSP lead, answered by the customer's admin, ended by either
/// side or the platform; what each refusal answers; that only an active contract grants the MSP's people the tenant; the audit lines.
/// Each test uses its own MSP–customer pair of the demo data (Bluepeak manages WGB and ASH, Harbor manages NWA, FAB and TSL).
/// </summary>
public abstract class ContractTests(PortalApp app)
{
    private const string Bluepeak = "Bluepeak Managed Services";
    private const string Harbor = "Harbor IT Partners";
    private const string Lucas = "lucas@tailspin.example"; // Tailspin Logistics CustomerAdmin

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Guid Org(string name) => app.Demo.Org(name).Id;

    private async Task<HttpResponseMessage> ProposeAsync(string email, Guid? mspId, Guid? customerId, string? message = null) =>
        await (await app.ClientForAsync(email)).PostJsonAsync("/api/v1/contracts/proposals", new { mspId, customerId, message });

    private async Task<HttpResponseMessage> StepAsync(string email, Guid contractId, string step) =>
        await (await app.ClientForAsync(email)).PostJsonAsync($"/api/v1/contracts/{contractId}/{step}", null);

    /// <summary>Whether the user reaches the tenant's incidents, as their next request after access changed sees it.</summary>
    private async Task<HttpStatusCode> IncidentsOfAsync(string email, Guid tenantId)
    {
        using var response = await (await app.ClientForAsync(email)).GetAsync($"/api/v1/incidents?tenantId={tenantId}", Ct);
        return response.StatusCode;
    }

    /// <summary>When this test began (a new instance per test): the lines of other tests of the class, on the same pair, are not its own.</summary>
    private readonly DateTimeOffset _testStarted = DateTimeOffset.UtcNow;

    private Task<List<(string Action, string Detail)>> AuditOfAsync(Guid organisationId, string actionPrefix) => app.QueryAsync(async db =>
        (await db.AuditEntries.AsNoTracking().Where(a => a.OrganisationId == organisationId && a.Action.StartsWith(actionPrefix) && a.At >= _testStarted)
            .OrderBy(a => a.At).Select(a => new { a.Action, a.Detail }).ToListAsync(Ct)).Select(a => (a.Action, a.Detail)).ToList());

    [Fact]
    public async Task Proposed_accepted_and_ended_the_contract_grants_the_MSPs_engineers_the_tenant_only_while_active()
    {
        var bluepeak = Org(Bluepeak);
        var northwind = Org(DemoDirectory.Northwind);
        (await IncidentsOfAsync(DemoDirectory.Ines, northwind)).ShouldBe(HttpStatusCode.NotFound, "positive control: Bluepeak does not manage Northwind yet");

        using var proposed = await ProposeAsync(DemoDirectory.Jonas, bluepeak, northwind, "  We run a 24/7 desk for airlines.  ");
        var proposal = await proposed.ReadAsync<ContractDto>(HttpStatusCode.Created);
        proposed.Headers.Location!.ToString().ShouldBe($"/api/v1/contracts/{proposal.Id}");
        proposal.State.ShouldBe("Proposed");
        proposal.Message.ShouldBe("We run a 24/7 desk for airlines.");
        proposal.ProposedBy.ShouldBe(app.Demo.User(DemoDirectory.Jonas).Name);
        proposal.StartedAt.ShouldBeNull();
        proposal.Actions.ShouldBe(["withdraw"]);
        (await IncidentsOfAsync(DemoDirectory.Ines, northwind)).ShouldBe(HttpStatusCode.NotFound, "a proposal grants nothing");

        // The customer's admin sees it among the proposals, with the steps she may take.
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var waiting = await (await olivia.GetAsync("/api/v1/contracts?state=Proposed", Ct)).ReadAsync<ContractDto[]>();
        waiting.Single(c => c.Id == proposal.Id).Actions.ShouldBe(["accept", "decline"], ignoreOrder: true);

        using var accepted = await StepAsync(DemoDirectory.Olivia, proposal.Id, "accept");
        var active = await accepted.ReadAsync<ContractDto>();
        active.State.ShouldBe("Active");
        active.StartedBy.ShouldBe(app.Demo.User(DemoDirectory.Olivia).Name);
        active.StartedAt.ShouldNotBeNull();
        active.ClosedBy.ShouldBe(active.StartedBy);
        (await IncidentsOfAsync(DemoDirectory.Ines, northwind)).ShouldBe(HttpStatusCode.OK, "acceptance grants Bluepeak's engineers the tenant");
        (await IncidentsOfAsync(DemoDirectory.Maya, northwind)).ShouldBe(HttpStatusCode.OK, "Harbor's own contract is untouched");

        using var ended = await StepAsync(DemoDirectory.Jonas, proposal.Id, "end");
        var done = await ended.ReadAsync<ContractDto>();
        done.State.ShouldBe("Ended");
        done.EndedBy.ShouldBe(app.Demo.User(DemoDirectory.Jonas).Name);
        done.EndedBySide.ShouldBe("Msp");
        done.Actions.ShouldBeEmpty();
        (await IncidentsOfAsync(DemoDirectory.Ines, northwind)).ShouldBe(HttpStatusCode.NotFound, "ending takes the tenant away");

        // History: the ended row stays; a new proposal is a new row.
        using var again = await ProposeAsync(DemoDirectory.Jonas, bluepeak, northwind);
        var second = await again.ReadAsync<ContractDto>(HttpStatusCode.Created);
        second.Id.ShouldNotBe(proposal.Id);
        var history = await (await olivia.GetAsync("/api/v1/contracts", Ct)).ReadAsync<ContractDto[]>();
        history.Where(c => c.MspId == bluepeak).Select(c => (c.Id, c.State)).ShouldBe([(second.Id, "Proposed"), (proposal.Id, "Ended")]);
        (await (await olivia.GetAsync($"/api/v1/contracts/{proposal.Id}", Ct)).ReadAsync<ContractDto>()).State.ShouldBe("Ended");
        using var declined = await StepAsync(DemoDirectory.Olivia, second.Id, "decline");
        (await declined.ReadAsync<ContractDto>()).State.ShouldBe("Declined");
        (await IncidentsOfAsync(DemoDirectory.Ines, northwind)).ShouldBe(HttpStatusCode.NotFound);

        // Every step in both organisations' audit logs.
        string[] expected = ["contract_proposed", "contract_accepted", "contract_ended", "contract_proposed", "contract_declined"];
        foreach (var organisation in new[] { bluepeak, northwind })
        {
            var lines = await AuditOfAsync(organisation, "contract_");
            lines.Select(l => l.Action).ShouldBe(expected);
            lines[0].Detail.ShouldContain("We run a 24/7 desk for airlines.");
            lines[2].Detail.ShouldBe($"{Bluepeak} ended the contract: {Bluepeak} no longer manages {DemoDirectory.Northwind}.");
        }
    }

    [Fact]
    public async Task Each_refusal_answers_its_own_status_and_code_and_changes_nothing()
    {
        var bluepeak = Org(Bluepeak);
        var tailspin = Org("Tailspin Logistics");

        // Proposing: the wrong role, another MSP, an unknown or non-customer id, bad input.
        (await (await ProposeAsync(DemoDirectory.Ines, bluepeak, tailspin)).ReadProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldNotBeNullOrEmpty();
        (await (await ProposeAsync(DemoDirectory.Jonas, Org(Harbor), tailspin)).ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such MSP");
        (await (await ProposeAsync(DemoDirectory.Jonas, bluepeak, Guid.NewGuid())).ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such tenant");
        (await (await ProposeAsync(DemoDirectory.Jonas, bluepeak, Org(Harbor))).ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such tenant");
        (await (await ProposeAsync(DemoDirectory.Olivia, bluepeak, tailspin)).ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such MSP");
        (await (await ProposeAsync(DemoDirectory.Jonas, bluepeak, null)).ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("customerId");
        (await (await ProposeAsync(DemoDirectory.Jonas, bluepeak, tailspin, new string('x', 1001))).ReadProblemAsync(HttpStatusCode.BadRequest))
            .Errors.Keys.ShouldContain("message");
        (await app.QueryAsync(db => db.Contracts.CountAsync(c => c.MspId == bluepeak && c.CustomerId == tailspin, Ct))).ShouldBe(0);

        // Left out, the MSP is the lead's only one.
        using var proposed = await ProposeAsync(DemoDirectory.Jonas, null, tailspin);
        var proposal = await proposed.ReadAsync<ContractDto>(HttpStatusCode.Created);
        proposal.MspId.ShouldBe(bluepeak);
        (await (await ProposeAsync(DemoDirectory.Jonas, bluepeak, tailspin)).ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("contract_exists");

        // Who may see it, and who may take which step.
        foreach (var outsider in new[] { DemoDirectory.Hana, DemoDirectory.Liam, DemoDirectory.Maya, DemoDirectory.Olivia, DemoDirectory.Priya })
        {
            using var get = await (await app.ClientForAsync(outsider)).GetAsync($"/api/v1/contracts/{proposal.Id}", Ct);
            (await get.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such contract", outsider);
            (await (await StepAsync(outsider, proposal.Id, "accept")).ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such contract");
        }
        (await (await StepAsync(DemoDirectory.Ines, proposal.Id, "withdraw")).ReadProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldNotBeNullOrEmpty();
        (await (await StepAsync(DemoDirectory.Jonas, proposal.Id, "accept")).ReadProblemAsync(HttpStatusCode.Forbidden)).Detail!.ShouldContain("customer's admin");
        (await (await StepAsync(Lucas, proposal.Id, "withdraw")).ReadProblemAsync(HttpStatusCode.Forbidden)).Detail!.ShouldContain("MSP");
        (await (await StepAsync(DemoDirectory.Ada, proposal.Id, "accept")).ReadProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldNotBeNullOrEmpty();
        (await (await StepAsync(Lucas, proposal.Id, "end")).ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("transition_not_allowed");
        using (var adaReads = await (await app.ClientForAsync(DemoDirectory.Ada)).GetAsync($"/api/v1/contracts/{proposal.Id}", Ct))
        {
            (await adaReads.ReadAsync<ContractDto>()).Actions.ShouldBeEmpty("the platform operator reads every contract but cannot answer a proposal");
        }
        (await app.QueryAsync(db => db.Contracts.AsNoTracking().SingleAsync(c => c.Id == proposal.Id, Ct))).State.ShouldBe(Portal.Domain.ContractState.Proposed);

        using (var accepted = await StepAsync(Lucas, proposal.Id, "accept")) (await accepted.ReadAsync<ContractDto>()).State.ShouldBe("Active");
        (await (await StepAsync(Lucas, proposal.Id, "accept")).ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("transition_not_allowed");
        (await (await StepAsync(Lucas, proposal.Id, "decline")).ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("transition_not_allowed");
        (await (await StepAsync(DemoDirectory.Jonas, proposal.Id, "withdraw")).ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("transition_not_allowed");
        (await (await ProposeAsync(DemoDirectory.Jonas, bluepeak, tailspin)).ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("contract_exists");

        // The customer's side ends it; ended is final.
        using (var ended = await StepAsync(Lucas, proposal.Id, "end"))
        {
            var done = await ended.ReadAsync<ContractDto>();
            (done.State, done.EndedBySide).ShouldBe(("Ended", "Customer"));
        }
        (await (await StepAsync(DemoDirectory.Jonas, proposal.Id, "end")).ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("transition_not_allowed");
        (await (await StepAsync(DemoDirectory.Jonas, Guid.NewGuid(), "end")).ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such contract");
    }

    [Fact]
    public async Task A_deactivated_customer_cannot_be_proposed_to_and_a_withdrawn_proposal_stays_as_history()
    {
        var bluepeak = Org(Bluepeak);
        var fabrikam = Org("Fabrikam Health");
        using var proposed = await ProposeAsync(DemoDirectory.Jonas, bluepeak, fabrikam, "First try");
        var proposal = await proposed.ReadAsync<ContractDto>(HttpStatusCode.Created);
        using (var withdrawn = await StepAsync(DemoDirectory.Jonas, proposal.Id, "withdraw"))
        {
            var w = await withdrawn.ReadAsync<ContractDto>();
            (w.State, w.ClosedBy).ShouldBe(("Withdrawn", app.Demo.User(DemoDirectory.Jonas).Name));
        }
        (await AuditOfAsync(fabrikam, "contract_")).Select(l => l.Action).ShouldBe(["contract_proposed", "contract_withdrawn"]);

        await app.QueryAsync(async db =>
        {
            var organisation = await db.Organisations.SingleAsync(o => o.Id == fabrikam, Ct);
            organisation.Deactivate(DateTimeOffset.UtcNow);
            return await db.SaveChangesAsync(Ct);
        });
        try
        {
            (await (await ProposeAsync(DemoDirectory.Jonas, bluepeak, fabrikam)).ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("organisation_deactivated");
            // The contract's views say so: the customer is deactivated (its people have no access), the MSP is not.
            var jonas = await app.ClientForAsync(DemoDirectory.Jonas);
            var seen = await (await jonas.GetAsync($"/api/v1/contracts/{proposal.Id}", Ct)).ReadAsync<ContractDto>();
            (seen.State, seen.MspDeactivated, seen.CustomerDeactivated).ShouldBe(("Withdrawn", false, true));
            var listed = await (await jonas.GetAsync("/api/v1/contracts", Ct)).ReadAsync<ContractDto[]>();
            listed.Single(c => c.Id == proposal.Id).CustomerDeactivated.ShouldBeTrue();
            listed.Where(c => c.CustomerId != fabrikam).ShouldAllBe(c => !c.MspDeactivated && !c.CustomerDeactivated);
            using var create = await (await app.ClientForAsync(DemoDirectory.Ada)).PostJsonAsync("/api/v1/contracts", new { mspId = bluepeak, customerId = fabrikam });
            (await create.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("organisation_deactivated");
            (await app.QueryAsync(db => db.Contracts.CountAsync(c => c.MspId == bluepeak && c.CustomerId == fabrikam, Ct))).ShouldBe(1);
        }
        finally
        {
            await app.QueryAsync(async db =>
            {
                (await db.Organisations.SingleAsync(o => o.Id == fabrikam, Ct)).Reactivate();
                return await db.SaveChangesAsync(Ct);
            });
        }
    }

    [Fact]
    public async Task The_platform_operator_creates_an_active_contract_directly_and_ends_it()
    {
        var harbor = Org(Harbor);
        var alpine = Org("Alpine Ski House");
        var ada = await app.ClientForAsync(DemoDirectory.Ada);
        using (var refused = await (await app.ClientForAsync(DemoDirectory.Liam)).PostJsonAsync("/api/v1/contracts", new { mspId = harbor, customerId = alpine }))
        {
            (await refused.ReadProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldNotBeNullOrEmpty();
        }
        using (var invalid = await ada.PostJsonAsync("/api/v1/contracts", new { mspId = harbor }))
        {
            (await invalid.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("customerId");
        }
        using (var notCustomer = await ada.PostJsonAsync("/api/v1/contracts", new { mspId = harbor, customerId = Org(Bluepeak) }))
        {
            (await notCustomer.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such tenant");
        }
        (await IncidentsOfAsync(DemoDirectory.Maya, alpine)).ShouldBe(HttpStatusCode.NotFound);

        using var created = await ada.PostJsonAsync("/api/v1/contracts", new { mspId = harbor, customerId = alpine });
        var contract = await created.ReadAsync<ContractDto>(HttpStatusCode.Created);
        (contract.State, contract.StartedBy, contract.ProposedAt).ShouldBe(("Active", app.Demo.User(DemoDirectory.Ada).Name, (DateTimeOffset?)null));
        (await IncidentsOfAsync(DemoDirectory.Maya, alpine)).ShouldBe(HttpStatusCode.OK);
        using (var twice = await ada.PostJsonAsync("/api/v1/contracts", new { mspId = harbor, customerId = alpine }))
        {
            (await twice.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("contract_exists");
        }

        // The platform sees all contracts; the MSP lead only its MSP's; the customer only its tenant's.
        var all = await (await ada.GetAsync("/api/v1/contracts", Ct)).ReadAsync<ContractDto[]>();
        all.Select(c => c.CustomerId).Distinct().Count().ShouldBe(5);
        var liams = await (await (await app.ClientForAsync(DemoDirectory.Liam)).GetAsync("/api/v1/contracts?state=Active", Ct)).ReadAsync<ContractDto[]>();
        liams.ShouldAllBe(c => c.MspId == harbor && c.State == "Active");
        liams.ShouldContain(c => c.Id == contract.Id);
        var hanas = await (await (await app.ClientForAsync(DemoDirectory.Hana)).GetAsync("/api/v1/contracts", Ct)).ReadAsync<ContractDto[]>();
        hanas.ShouldNotBeEmpty();
        hanas.ShouldAllBe(c => c.CustomerId == Org(DemoDirectory.Woodgrove));
        using (var badState = await ada.GetAsync("/api/v1/contracts?state=Open", Ct)) await badState.ReadProblemAsync(HttpStatusCode.BadRequest);
        using (var engineer = await (await app.ClientForAsync(DemoDirectory.Maya)).GetAsync("/api/v1/contracts", Ct)) await engineer.ReadProblemAsync(HttpStatusCode.Forbidden);
        using (var viewer = await (await app.ClientForAsync(DemoDirectory.Noah)).GetAsync("/api/v1/contracts", Ct)) await viewer.ReadProblemAsync(HttpStatusCode.Forbidden);

        using var ended = await StepAsync(DemoDirectory.Ada, contract.Id, "end");
        (await ended.ReadAsync<ContractDto>()).EndedBySide.ShouldBe("Platform");
        (await IncidentsOfAsync(DemoDirectory.Maya, alpine)).ShouldBe(HttpStatusCode.NotFound);
        foreach (var organisation in new[] { harbor, alpine })
        {
            (await AuditOfAsync(organisation, "contract_")).Select(l => l.Action).ShouldBe(["contract_created", "contract_ended"]);
        }
    }

    [Fact]
    public async Task Concurrent_proposals_and_accepts_leave_one_open_contract()
    {
        var harbor = Org(Harbor);
        var woodgrove = Org(DemoDirectory.Woodgrove);
        var proposals = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await ProposeAsync(DemoDirectory.Liam, harbor, woodgrove, $"Offer {i}");
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
        }));
        proposals.Count(p => p.StatusCode == HttpStatusCode.Created).ShouldBe(1, string.Join("\n", proposals.Select(p => p.Body)));
        proposals.Where(p => p.StatusCode != HttpStatusCode.Created).ShouldAllBe(p => p.StatusCode == HttpStatusCode.Conflict && p.Body.Contains("\"contract_exists\""));
        var contracts = await app.QueryAsync(db => db.Contracts.AsNoTracking().Where(c => c.MspId == harbor && c.CustomerId == woodgrove).ToListAsync(Ct));
        contracts.Count.ShouldBe(1);
        var id = contracts[0].Id;

        var accepts = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await StepAsync(DemoDirectory.Hana, id, "accept");
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
        }));
        accepts.Count(a => a.StatusCode == HttpStatusCode.OK).ShouldBe(1, string.Join("\n", accepts.Select(a => a.Body)));
        accepts.Where(a => a.StatusCode != HttpStatusCode.OK).ShouldAllBe(a => a.StatusCode == HttpStatusCode.Conflict && a.Body.Contains("\"transition_not_allowed\""));
        (await AuditOfAsync(woodgrove, "contract_")).Select(l => l.Action).ShouldBe(["contract_proposed", "contract_accepted"]);
        (await AuditOfAsync(harbor, "contract_")).Count(l => l.Detail.Contains(DemoDirectory.Woodgrove)).ShouldBe(2);
    }

    [Fact]
    public async Task The_services_to_choose_from_are_listed_for_those_who_manage_subscriptions()
    {
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var services = await (await olivia.GetAsync("/api/v1/services", Ct)).ReadAsync<AvailableServiceDto[]>();
        var expected = await app.QueryAsync(db => db.Services.AsNoTracking().Select(s => s.Id).ToListAsync(Ct));
        services.Select(s => s.Id).ShouldBe(expected, ignoreOrder: true);
        services.Single(s => s.Name == "Nimbus Compute").Regions.ShouldBe(["northeurope", "westeurope"]);
        services.Single(s => s.Name == "ShieldSensor Endpoint Agent").ProviderName.ShouldBe("Sentinel Shield Security");
        foreach (var email in new[] { DemoDirectory.Maya, DemoDirectory.Liam })
        {
            using var ok = await (await app.ClientForAsync(email)).GetAsync("/api/v1/services", Ct);
            ok.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        foreach (var email in new[] { DemoDirectory.Noah, DemoDirectory.Priya, DemoDirectory.Ada })
        {
            using var refused = await (await app.ClientForAsync(email)).GetAsync("/api/v1/services", Ct);
            await refused.ReadProblemAsync(HttpStatusCode.Forbidden);
        }
    }

    public sealed record AvailableServiceDto(Guid Id, string Name, string Kind, Guid ProviderId, string ProviderName, string[] Regions);
}

public sealed class ContractsOnSqlite(SqliteApp app) : ContractTests(app), IClassFixture<SqliteApp>;

public sealed class ContractsOnPostgreSql(PostgresApp app) : ContractTests(app), IClassFixture<PostgresApp>;
