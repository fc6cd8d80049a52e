using Portal.Domain;
using Shouldly;

namespace Portal.UnitTests;

public sealed class OrganisationRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("nwa")]
    [InlineData("TOOLONGPX")]
    [InlineData("N1")]
    public void A_customer_tenant_needs_a_capital_letter_prefix(string? prefix) =>
        Should.Throw<InvalidValueException>(() => new Organisation(Guid.NewGuid(), "Northwind", OrganisationKind.Customer, Guid.NewGuid(), prefix));

    [Fact]
    public void Only_customers_have_an_incident_prefix() =>
        Should.Throw<InvalidValueException>(() => new Organisation(Guid.NewGuid(), "Harbor", OrganisationKind.Msp, Guid.NewGuid(), "HAR"));

    [Fact]
    public void A_contract_is_active_from_its_start_until_it_ends()
    {
        var contract = new MspContract(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Now);
        contract.IsActiveAt(Now.AddSeconds(-1)).ShouldBeFalse();
        contract.IsActiveAt(Now).ShouldBeTrue();
        contract.End(Now.AddDays(30));
        contract.IsActiveAt(Now.AddDays(29)).ShouldBeTrue();
        contract.IsActiveAt(Now.AddDays(30)).ShouldBeFalse();
        Should.Throw<DomainRuleException>(() => contract.End(Now.AddDays(31))).Code.ShouldBe("contract_ended");
    }

    [Theory]
    [InlineData(Role.ProviderPublisher, OrganisationKind.Provider, true)]
    [InlineData(Role.ProviderViewer, OrganisationKind.Provider, true)]
    [InlineData(Role.MspEngineer, OrganisationKind.Msp, true)]
    [InlineData(Role.MspLead, OrganisationKind.Msp, true)]
    [InlineData(Role.CustomerViewer, OrganisationKind.Customer, true)]
    [InlineData(Role.CustomerAdmin, OrganisationKind.Customer, true)]
    [InlineData(Role.PlatformAdmin, OrganisationKind.Platform, true)]
    [InlineData(Role.MspEngineer, OrganisationKind.Customer, false)]
    [InlineData(Role.CustomerAdmin, OrganisationKind.Msp, false)]
    [InlineData(Role.PlatformAdmin, OrganisationKind.Provider, false)]
    public void A_role_belongs_to_one_kind_of_organisation(Role role, OrganisationKind kind, bool fits)
    {
        RoleRules.Fits(role, kind).ShouldBe(fits);
        var organisation = kind == OrganisationKind.Customer
            ? new Organisation(Guid.NewGuid(), "Org", kind, Guid.NewGuid(), "ORG")
            : new Organisation(Guid.NewGuid(), "Org", kind, Guid.NewGuid());
        var user = new User(Guid.NewGuid(), "Someone", "someone@example.test", Guid.NewGuid(), Guid.NewGuid());
        if (fits) user.Join(organisation, role).Role.ShouldBe(role);
        else Should.Throw<DomainRuleException>(() => user.Join(organisation, role)).Code.ShouldBe("role_mismatch");
    }

    [Theory]
    [InlineData(Role.MspEngineer, Permission.WorkIncidents, true)]
    [InlineData(Role.MspLead, Permission.WorkIncidents, true)]
    [InlineData(Role.CustomerAdmin, Permission.WorkIncidents, false)]
    [InlineData(Role.CustomerViewer, Permission.ReadIncidents, true)]
    [InlineData(Role.CustomerViewer, Permission.CommentOnIncidents, true)]
    [InlineData(Role.ProviderPublisher, Permission.ReadIncidents, false)]
    [InlineData(Role.ProviderViewer, Permission.CommentOnIncidents, false)]
    [InlineData(Role.ProviderViewer, Permission.ViewProviderServices, true)]
    [InlineData(Role.PlatformAdmin, Permission.ReadIncidents, false)]
    [InlineData(Role.PlatformAdmin, Permission.ViewOrganisations, true)]
    [InlineData(Role.MspLead, Permission.ViewOrganisations, false)]
    public void Roles_grant_only_their_permissions(Role role, Permission permission, bool granted) =>
        RoleRules.Grants(role, permission).ShouldBe(granted);
}
