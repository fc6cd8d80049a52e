using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Isolation;

/// <summary>
/// The contract routes × the people of every other organisation: a contract between Harbor and Northwind (an active one, and a proposal
/// between Harbor and Tailspin) is 404 for all of them, the same answer as a missing id; its own sides' members without the permission get
/// 403; nothing changes and nothing is written to an audit log. The subscriptions page answers like its API.
/// </summary>
public abstract partial class ContractIsolationTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Everyone who belongs to neither side of the Harbor–Northwind and Harbor–Tailspin contracts, of every role there is.</summary>
    public static readonly string[] Outsiders =
    [
        DemoDirectory.Hana, "felix@alpineskihouse.example", "emma@fabrikamhealth.example", DemoDirectory.Ines, DemoDirectory.Jonas,
        "rmm@bluepeak.example", DemoDirectory.Priya, "tom@sentinelshield.example", "grace@nimbuscloud.example",
    ];

    public static readonly string[] Steps = ["", "/accept", "/decline", "/withdraw", "/end"];

    public static TheoryData<string, string, bool> OutsiderMatrix =>
        [.. Outsiders.SelectMany(o => Steps.SelectMany(s => new[] { (o, s, true), (o, s, false) }))];

    private Task<Targets> TargetsAsync() => app.OnceAsync("contract-targets", async () =>
    {
        var harbor = app.Demo.Org("Harbor IT Partners").Id;
        var active = await app.QueryAsync(db => db.Contracts.Where(c => c.MspId == harbor && c.CustomerId == app.Demo.TenantId(DemoDirectory.Northwind))
            .Select(c => c.Id).SingleAsync(Ct));
        // Harbor ends its Tailspin contract and proposes again, so a proposal exists to answer.
        var tailspin = app.Demo.TenantId("Tailspin Logistics");
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var old = await app.QueryAsync(db => db.Contracts.Where(c => c.MspId == harbor && c.CustomerId == tailspin).Select(c => c.Id).SingleAsync(Ct));
        using (var ended = await liam.PostJsonAsync($"/api/v1/contracts/{old}/end", null)) ended.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var proposed = await liam.PostJsonAsync("/api/v1/contracts/proposals", new { mspId = harbor, customerId = tailspin });
        var proposal = await proposed.ReadAsync<Contracts.ContractDto>(HttpStatusCode.Created);
        return new Targets(active, proposal.Id);
    });

    private sealed record Targets(Guid Active, Guid Proposed);

    private Task<string> SnapshotAsync() => app.QueryAsync(async db =>
    {
        var contracts = await db.Contracts.AsNoTracking().OrderBy(c => c.Id).Select(c => c.Id + ":" + c.State + ":" + c.EndedAt).ToListAsync(Ct);
        var audit = await db.AuditEntries.CountAsync(Ct);
        return string.Join("\n", contracts) + "\naudit:" + audit;
    });

    [Theory]
    [MemberData(nameof(OutsiderMatrix))]
    public async Task A_contract_of_other_organisations_is_not_there_for_anyone(string email, string step, bool activeOne)
    {
        var (active, proposed) = await TargetsAsync();
        var id = activeOne ? active : proposed;
        var before = await SnapshotAsync();
        var client = await app.ClientForAsync(email);

        using var response = step == "" ? await client.GetAsync($"/api/v1/contracts/{id}", Ct) : await client.PostJsonAsync($"/api/v1/contracts/{id}{step}", null);
        var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
        problem.Title.ShouldBe("No such contract");
        problem.Raw.ShouldNotContain(DemoDirectory.Northwind);
        problem.Raw.ShouldNotContain("Harbor");

        var missing = Guid.NewGuid();
        using var other = step == "" ? await client.GetAsync($"/api/v1/contracts/{missing}", Ct) : await client.PostJsonAsync($"/api/v1/contracts/{missing}{step}", null);
        var missingProblem = await other.ReadProblemAsync(HttpStatusCode.NotFound);
        missingProblem.Detail.ShouldBe(problem.Detail!.Replace(id.ToString(), missing.ToString(), StringComparison.Ordinal));
        (await SnapshotAsync()).ShouldBe(before);

        // Nor in their lists.
        using var list = await client.GetAsync("/api/v1/contracts", Ct);
        if (list.StatusCode == HttpStatusCode.OK)
        {
            var contracts = await list.ReadAsync<Contracts.ContractDto[]>();
            contracts.ShouldNotContain(c => c.Id == active || c.Id == proposed);
        }
        else
        {
            list.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }
    }

    public static TheoryData<string, string> InsiderMatrix =>
        [.. new[] { DemoDirectory.Maya, DemoDirectory.Sam, DemoDirectory.Noah, "rmm@harborit.example" }.SelectMany(e => Steps.Select(s => (e, s)))];

    [Theory]
    [MemberData(nameof(InsiderMatrix))]
    public async Task Members_of_either_side_without_the_permission_are_refused_with_403(string email, string step)
    {
        var (active, _) = await TargetsAsync();
        var before = await SnapshotAsync();
        var client = await app.ClientForAsync(email);
        using var response = step == "" ? await client.GetAsync($"/api/v1/contracts/{active}", Ct) : await client.PostJsonAsync($"/api/v1/contracts/{active}{step}", null);
        (await response.ReadProblemAsync(HttpStatusCode.Forbidden)).Raw.ShouldNotContain(DemoDirectory.Northwind);
        (await SnapshotAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Without_credentials_every_contract_route_is_401()
    {
        var (active, _) = await TargetsAsync();
        using var anonymous = app.Anonymous();
        foreach (var step in Steps)
        {
            using var response = step == "" ? await anonymous.GetAsync($"/api/v1/contracts/{active}", Ct) : await anonymous.PostJsonAsync($"/api/v1/contracts/{active}{step}", null);
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, step);
        }
        using (var proposals = await anonymous.PostJsonAsync("/api/v1/contracts/proposals", new { customerId = Guid.NewGuid() })) proposals.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using (var services = await anonymous.GetAsync("/api/v1/services", Ct)) services.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private Task<HttpClient> SignedInAsync(string email) => app.PageClientForAsync(email);

    [Fact]
    public async Task The_subscriptions_page_of_a_foreign_tenant_is_not_found_and_a_viewer_is_forbidden()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        foreach (var email in new[] { DemoDirectory.Hana, DemoDirectory.Ines, DemoDirectory.Jonas, DemoDirectory.Priya, DemoDirectory.Ada })
        {
            var client = await SignedInAsync(email);
            using var foreign = await client.GetAsync($"/tenants/{northwind}/subscriptions", Ct);
            var html = await foreign.Content.ReadAsStringAsync(Ct);
            foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound, email);
            html.ShouldNotContain(DemoDirectory.Northwind);
            using var missing = await client.GetAsync($"/tenants/{Guid.NewGuid()}/subscriptions", Ct);
            missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }
        var noah = await SignedInAsync(DemoDirectory.Noah);
        using var viewer = await noah.GetAsync($"/tenants/{northwind}/subscriptions", Ct);
        viewer.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

}

public sealed class ContractIsolationOnSqlite(SqliteApp app) : ContractIsolationTests(app), IClassFixture<SqliteApp>;

public sealed class ContractIsolationOnPostgreSql(PostgresApp app) : ContractIsolationTests(app), IClassFixture<PostgresApp>;
