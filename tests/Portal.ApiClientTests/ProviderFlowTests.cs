using Portal.ApiClient;

namespace Portal.ApiClientTests;

/// <summary>A provider's tooling publishes an advisory through the generated client; the targeted customers see it in their status.</summary>
public sealed class ProviderFlowTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_provider_publishes_an_advisory_that_its_subscribed_customers_read()
    {
        var priya = await Clients.ForAsync(app, DemoDirectory.Priya);
        var provider = (await priya.GetMyAccessAsync(cancellationToken: Ct)).Memberships.Single(m => m.Kind == OrganisationKind.Provider);
        var service = (await priya.GetProviderServicesAsync(cancellationToken: Ct)).OrderByDescending(s => s.SubscribedTenants).First();
        service.SubscribedTenants.ShouldBeGreaterThan(0, "the demo data subscribes tenants to the provider's services");

        var published = await priya.PublishAdvisoryAsync(provider.OrganisationId, new AdvisoryContentBody
        {
            Title = "Sensor content update 291 crashes Windows hosts", Severity = Severity.Sev1,
            Impact = "Windows hosts with sensor 7.11 **blue-screen** at boot.", Runbook = "1. Boot to safe mode\n2. Delete the channel file",
            ServiceIds = [service.Id], Status = AdvisoryStatus.Investigating,
        }, cancellationToken: Ct);
        published.ProviderId.ShouldBe(provider.OrganisationId);
        published.Status.ShouldBe(AdvisoryStatus.Investigating);
        published.Services.Select(s => s.Id).ShouldBe([service.Id]);
        published.RunbookHtml.ShouldContain("<li>");
        (await priya.GetAdvisoryAsync(published.Id, cancellationToken: Ct)).Title.ShouldBe(published.Title);
        (await priya.ListAdvisoriesAsync(providerId: provider.OrganisationId, cancellationToken: Ct)).ShouldContain(a => a.Id == published.Id);

        // a customer of a targeted tenant reads it in its status; the provider may not publish for another provider
        (await priya.GetAdvisoryImpactAsync(published.Id, cancellationToken: Ct)).Totals.TenantsTargeted.ShouldBe(service.SubscribedTenants);
        var noah = await Clients.ForAsync(app, DemoDirectory.Noah);
        (await noah.GetCustomerStatusAsync(app.Demo.TenantId(DemoDirectory.Northwind), cancellationToken: Ct)).Advisories
            .ShouldNotBeNull().ShouldContain(a => a.Id == published.Id && a.Title == published.Title);
        (await Clients.RefusedAsync(() => priya.PublishAdvisoryAsync(Guid.NewGuid(), new AdvisoryContentBody
        {
            Title = "Not mine", Severity = Severity.Sev4, Impact = "None", ServiceIds = [service.Id],
        }, cancellationToken: Ct))).Status.ShouldBeOneOf(403, 404);
    }

    [Fact]
    public async Task A_provider_registers_a_service_and_a_second_of_the_same_name_is_a_409()
    {
        var priya = await Clients.ForAsync(app, DemoDirectory.Priya);
        var provider = (await priya.GetMyAccessAsync(cancellationToken: Ct)).Memberships.Single(m => m.Kind == OrganisationKind.Provider);
        var name = $"ShieldSensor Cloud Console {Guid.NewGuid():N}"[..40];

        var service = await priya.RegisterServiceAsync(provider.OrganisationId, new RegisterServiceBody { Name = name, Kind = ServiceKind.CloudService }, cancellationToken: Ct);
        service.Name.ShouldBe(name);
        service.Kind.ShouldBe(ServiceKind.CloudService);
        (await priya.GetProviderServicesAsync(cancellationToken: Ct)).ShouldContain(s => s.Id == service.Id && s.SubscribedTenants == 0);
        (await Clients.RefusedAsync(() => priya.RegisterServiceAsync(provider.OrganisationId,
            new RegisterServiceBody { Name = name.ToLowerInvariant(), Kind = ServiceKind.SoftwareProduct }, cancellationToken: Ct))).Status.ShouldBe(409);
    }
}
