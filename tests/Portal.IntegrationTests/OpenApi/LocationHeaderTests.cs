using System.Text.Json;

namespace Portal.IntegrationTests.OpenApi;

/// <summary>
/// Every creation answers with a <c>Location</c> a client can follow: a GET of it (without its fragment) answers 200 with the
/// created record, read by the same caller. Four of them once pointed at routes that had no GET (an organisation, an invitation,
/// a subscription, a notification endpoint). The new reads keep the isolation contract: another organisation's record is 404
/// exactly like a missing one, a member without the permission 403.
/// </summary>
public sealed class LocationHeaderTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Guid Harbor => app.Demo.Org("Harbor IT Partners").Id;
    private Guid Bluepeak => app.Demo.Org("Bluepeak Managed Services").Id;
    private Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);

    /// <summary>Posts, checks the status and the Location, follows it, and returns (created, read) bodies.</summary>
    private static async Task<(JsonElement Created, JsonElement Read)> CreateAndFollowAsync(HttpClient client, string url, object body,
        HttpStatusCode status = HttpStatusCode.Created)
    {
        using var created = await client.PostJsonAsync(url, body);
        var createdText = await created.Content.ReadAsStringAsync(Ct);
        created.StatusCode.ShouldBe(status, $"POST {url}: {createdText}");
        var location = created.Headers.Location.ShouldNotBeNull($"POST {url} answered without a Location");
        var path = location.OriginalString.Split('#')[0];
        using var read = await client.GetAsync(path, Ct);
        var readText = await read.Content.ReadAsStringAsync(Ct);
        read.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {location} (the Location of POST {url}): {readText}");
        return (JsonDocument.Parse(createdText).RootElement.Clone(), JsonDocument.Parse(readText).RootElement.Clone());
    }

    private static Guid Id(JsonElement e) => e.GetProperty("id").GetGuid();

    /// <summary>
    /// Every time the creation answered is, to the digit, the time its read answers (the clock stamps at 0.1 ms, which every
    /// store keeps): the 201 carried the clock's 100 ns ticks and the read what SQLite kept, so a client saw two moments.
    /// </summary>
    private static void ShouldHaveTheSameTimes(JsonElement created, JsonElement read, string what)
    {
        var compared = 0;
        foreach (var property in created.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String || !read.TryGetProperty(property.Name, out var readValue)) continue;
            if (!DateTimeOffset.TryParse(property.Value.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _)) continue;
            readValue.GetString().ShouldBe(property.Value.GetString(), $"{what}.{property.Name}: the creation's answer and the read differ");
            compared++;
        }
        compared.ShouldBeGreaterThan(0, $"{what} has no time to compare");
    }

    [Fact]
    public async Task Every_created_record_can_be_read_at_its_location()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var ada = await app.ClientForAsync(DemoDirectory.Ada);
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var suffix = Guid.NewGuid().ToString("N")[..8];

        var (incident, incidentRead) = await CreateAndFollowAsync(maya, $"/api/v1/tenants/{Northwind}/incidents", new { title = $"Location check {suffix}", severity = "Sev3" });
        Id(incidentRead).ShouldBe(Id(incident));
        ShouldHaveTheSameTimes(incident, incidentRead, "incident");

        var (note, timeline) = await CreateAndFollowAsync(maya, $"/api/v1/incidents/{Id(incident)}/notes", new { text = "Following the Location", visibility = "Internal" });
        timeline.EnumerateArray().Select(Id).ShouldContain(Id(note));

        var (device, deviceRead) = await CreateAndFollowAsync(maya, $"/api/v1/tenants/{Northwind}/devices", new { hostname = $"loc-{suffix}" });
        Id(deviceRead).ShouldBe(Id(device));
        ShouldHaveTheSameTimes(device, deviceRead, "device");

        var (task, taskRead) = await CreateAndFollowAsync(maya, $"/api/v1/incidents/{Id(incident)}/tasks", new { deviceId = Id(device) });
        Id(taskRead).ShouldBe(Id(task));
        ShouldHaveTheSameTimes(task, taskRead, "task");

        var (endpoint, endpointRead) = await CreateAndFollowAsync(liam, $"/api/v1/msps/{Harbor}/notification-endpoints",
            new { channel = "Webhook", name = $"loc-{suffix}", url = "https://hooks.example.com/portal" });
        Id(endpointRead).ShouldBe(Id(endpoint.GetProperty("endpoint")));
        endpointRead.GetProperty("name").GetString().ShouldBe($"loc-{suffix}");
        endpointRead.TryGetProperty("secret", out _).ShouldBeFalse("the secret is shown once, in the creation's answer");

        var (invitation, invitationRead) = await CreateAndFollowAsync(liam, $"/api/v1/organisations/{Harbor}/invitations",
            new { email = $"loc.{suffix}@harborit.example", role = "MspEngineer" });
        Id(invitationRead).ShouldBe(Id(invitation));
        ShouldHaveTheSameTimes(invitation, invitationRead, "invitation");
        invitationRead.GetProperty("state").GetString().ShouldBe("Pending");

        var (service, services) = await CreateAndFollowAsync(priya, $"/api/v1/providers/{Sentinel}/services", new { name = $"Location agent {suffix}", kind = "SoftwareProduct" });
        services.EnumerateArray().Select(Id).ShouldContain(Id(service));

        var (subscription, subscriptionRead) = await CreateAndFollowAsync(maya, $"/api/v1/tenants/{Northwind}/subscriptions", new { serviceId = Id(service) });
        Id(subscriptionRead).ShouldBe(Id(subscription));
        subscriptionRead.GetProperty("serviceName").GetString().ShouldBe($"Location agent {suffix}");

        var (advisory, advisoryRead) = await CreateAndFollowAsync(priya, $"/api/v1/providers/{Sentinel}/advisories",
            new { title = $"Location advisory {suffix}", severity = "Sev3", impact = "Checks a header.", serviceIds = new[] { Id(service) } });
        Id(advisoryRead).ShouldBe(Id(advisory));
        ShouldHaveTheSameTimes(advisory, advisoryRead, "advisory");
        var (_, updatedRead) = await CreateAndFollowAsync(priya, $"/api/v1/advisories/{Id(advisory)}/updates", new { status = "Monitoring", text = "Still checking." });
        Id(updatedRead).ShouldBe(Id(advisory));

        var (organisation, organisationRead) = await CreateAndFollowAsync(ada, "/api/v1/organisations",
            new { name = $"Location customer {suffix}", kind = "Customer", entraTenantId = Guid.NewGuid(), incidentPrefix = new string([.. Enumerable.Range(0, 8).Select(_ => (char)('A' + Random.Shared.Next(26)))]) });
        Id(organisationRead).ShouldBe(Id(organisation));
        organisationRead.GetProperty("name").GetString().ShouldBe($"Location customer {suffix}");

        var (contract, contractRead) = await CreateAndFollowAsync(ada, "/api/v1/contracts", new { mspId = Harbor, customerId = Id(organisation) });
        Id(contractRead).ShouldBe(Id(contract));
        ShouldHaveTheSameTimes(contract, contractRead, "contract");
    }

    [Fact]
    public async Task An_invitation_is_read_in_the_state_it_is_in_now()
    {
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using var invited = await olivia.PostJsonAsync($"/api/v1/organisations/{Northwind}/invitations", new { email = $"revoked.{Guid.NewGuid():N}@northwindairways.example", role = "CustomerViewer" });
        var location = invited.Headers.Location.ShouldNotBeNull().OriginalString;
        using (var revoked = await olivia.DeleteAsync(location, Ct)) revoked.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var read = await olivia.GetAsync(location, Ct);
        JsonDocument.Parse(await read.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("state").GetString().ShouldBe("Revoked");
    }

    [Fact]
    public async Task A_subscription_is_read_by_those_who_manage_it_and_nobody_else()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        using var registered = await priya.PostJsonAsync($"/api/v1/providers/{Sentinel}/services", new { name = $"Isolated agent {Guid.NewGuid():N}"[..30], kind = "SoftwareProduct" });
        var serviceId = JsonDocument.Parse(await registered.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetGuid();
        using var subscribed = await maya.PostJsonAsync($"/api/v1/tenants/{Northwind}/subscriptions", new { serviceId });
        var subscriptionId = JsonDocument.Parse(await subscribed.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetGuid();
        var url = $"/api/v1/tenants/{Northwind}/subscriptions/{subscriptionId}";

        (await StatusAsync(DemoDirectory.Olivia, url)).ShouldBe(HttpStatusCode.OK, "the tenant's own admin");
        (await StatusAsync(DemoDirectory.Noah, url)).ShouldBe(HttpStatusCode.Forbidden, "the tenant's viewer sees the tenant, may not manage it");
        await ShouldBeLikeMissingAsync(DemoDirectory.Hana, url, subscriptionId);   // another MSP's customer
        await ShouldBeLikeMissingAsync(DemoDirectory.Ines, url, subscriptionId);   // another MSP
        await ShouldBeLikeMissingAsync(DemoDirectory.Priya, url, subscriptionId);  // the service's own provider: never a tenant's records

        // Another tenant's id with this subscription: the subscription is not that tenant's.
        var fabrikam = app.Demo.TenantId("Fabrikam Health");
        (await StatusAsync(DemoDirectory.Maya, $"/api/v1/tenants/{fabrikam}/subscriptions/{subscriptionId}")).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_notification_endpoint_is_read_by_its_MSPs_lead_only()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        using var created = await liam.PostJsonAsync($"/api/v1/msps/{Harbor}/notification-endpoints",
            new { channel = "Webhook", name = $"iso-{Guid.NewGuid():N}"[..20], url = "https://hooks.example.com/iso" });
        var endpointId = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("endpoint").GetProperty("id").GetGuid();
        var url = $"/api/v1/msps/{Harbor}/notification-endpoints/{endpointId}";

        (await StatusAsync(DemoDirectory.Liam, url)).ShouldBe(HttpStatusCode.OK);
        (await StatusAsync(DemoDirectory.Maya, url)).ShouldBe(HttpStatusCode.Forbidden, "an engineer of the MSP, not its lead");
        await ShouldBeLikeMissingAsync(DemoDirectory.Jonas, url, endpointId);
        // A customer holds the permission nowhere: refused before any MSP or endpoint is looked at, as the list is.
        (await StatusAsync(DemoDirectory.Olivia, url)).ShouldBe(HttpStatusCode.Forbidden);
        (await StatusAsync(DemoDirectory.Olivia, $"/api/v1/msps/{Guid.NewGuid()}/notification-endpoints/{Guid.NewGuid()}")).ShouldBe(HttpStatusCode.Forbidden);

        // Bluepeak's lead naming his own MSP and Harbor's endpoint: not his.
        (await StatusAsync(DemoDirectory.Jonas, $"/api/v1/msps/{Bluepeak}/notification-endpoints/{endpointId}")).ShouldBe(HttpStatusCode.NotFound);
    }

    private async Task<HttpStatusCode> StatusAsync(string email, string url)
    {
        using var response = await (await app.ClientForAsync(email)).GetAsync(url, Ct);
        return response.StatusCode;
    }

    /// <summary>An outsider's 404 says exactly what a missing id says: the record cannot be probed.</summary>
    private async Task ShouldBeLikeMissingAsync(string email, string url, Guid id)
    {
        var client = await app.ClientForAsync(email);
        using var outsider = await client.GetAsync(url, Ct);
        var problem = await outsider.ReadProblemAsync(HttpStatusCode.NotFound);
        var missing = Guid.NewGuid();
        using var other = await client.GetAsync(url.Replace(id.ToString(), missing.ToString(), StringComparison.Ordinal), Ct);
        var missingProblem = await other.ReadProblemAsync(HttpStatusCode.NotFound);
        missingProblem.Title.ShouldBe(problem.Title);
        missingProblem.Detail.ShouldBe(problem.Detail!.Replace(id.ToString(), missing.ToString(), StringComparison.Ordinal));
    }
}
