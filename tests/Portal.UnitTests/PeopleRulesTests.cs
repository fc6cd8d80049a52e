using Portal.Domain;
using Shouldly;

namespace Portal.UnitTests;

public sealed class PeopleRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid EntraTenant = Guid.NewGuid();

    private static Organisation Msp() => new(Guid.NewGuid(), "Harbor IT", OrganisationKind.Msp, EntraTenant);

    [Theory]
    [InlineData("  Ana.Silva@Example.COM ", "ana.silva@example.com")]
    [InlineData("ops+portal@sub.example.org", "ops+portal@sub.example.org")]
    [InlineData("josé@example.com", "josé@example.com")]
    [InlineData("user@bücher.example", "user@bücher.example")]
    public void Plausible_addresses_are_trimmed_and_lower_cased(string raw, string expected) =>
        EmailAddress.Normalise(raw).ShouldBe(expected);

    [Fact]
    public void Composed_and_decomposed_forms_are_the_same_address()
    {
        var composed = "jos\u00e9@example.com";
        var decomposed = "jose\u0301@example.com";
        composed.ShouldNotBe(decomposed);
        EmailAddress.Normalise(decomposed).ShouldBe(EmailAddress.Normalise(composed));
    }

    [Theory]
    [InlineData("ana\u200B@example.com")]       // zero-width space
    [InlineData("ana@exa\u200Dmple.com")]       // zero-width joiner
    [InlineData("\u202Emoc.elpmaxe@ana")]       // right-to-left override
    [InlineData("ana\u2066@example.com")]       // left-to-right isolate
    [InlineData("ana\uFEFF@example.com")]       // byte order mark
    [InlineData("ana\uFF20example.com")]        // fullwidth @
    [InlineData("\uFF41na@example.com")]        // fullwidth a
    [InlineData("ana\u0000@example.com")]       // NUL
    [InlineData("ana\n@example.com")]           // line feed
    [InlineData("ana\u0007@example.com")]       // bell
    [InlineData("ana @example.com")]            // space
    [InlineData("ana\u00A0@example.com")]       // no-break space
    [InlineData("ana@example")]                 // no dot in the domain
    [InlineData("ana@@example.com")]
    [InlineData("ana@b@example.com")]
    [InlineData(".ana@example.com")]
    [InlineData("an..a@example.com")]
    [InlineData("ana@-example.com")]
    [InlineData("ana@example.123")]
    [InlineData("\"ana\"@example.com")]         // quoted local parts are not plausible here
    [InlineData("ana@exam_ple.com")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Odd_or_implausible_addresses_are_refused(string? raw)
    {
        EmailAddress.TryNormalise(raw, out _, out var problem).ShouldBeFalse(raw);
        problem.ShouldNotBeNullOrWhiteSpace();
        Should.Throw<InvalidValueException>(() => EmailAddress.Normalise(raw)).Code.ShouldBe("invalid_email");
    }

    [Fact]
    public void A_local_part_longer_than_64_characters_is_refused() =>
        EmailAddress.TryNormalise(new string('a', 65) + "@example.com", out _, out _).ShouldBeFalse();

    [Fact]
    public void An_invitation_holds_a_role_of_its_organisation_kind()
    {
        var msp = Msp();
        Should.Throw<InvalidValueException>(() => new Invitation(Guid.NewGuid(), msp, "ana@example.com", Role.CustomerAdmin, null, Now, TimeSpan.FromDays(14)))
            .Code.ShouldBe("role_mismatch");
        Should.Throw<InvalidValueException>(() => new Invitation(Guid.NewGuid(), msp, "rmm@example.com", Role.MspIntegration, null, Now, TimeSpan.FromDays(14)))
            .Code.ShouldBe("role_mismatch");
        new Invitation(Guid.NewGuid(), msp, " Ana@Example.com", Role.MspEngineer, null, Now, TimeSpan.FromDays(14)).Email.ShouldBe("ana@example.com");
    }

    [Fact]
    public void An_invitation_expires_and_is_then_neither_accepted_nor_revoked()
    {
        var msp = Msp();
        var invitation = new Invitation(Guid.NewGuid(), msp, "ana@example.com", Role.MspEngineer, null, Now, TimeSpan.FromDays(14));
        invitation.IsPendingAt(Now.AddDays(14).AddTicks(-1)).ShouldBeTrue();
        invitation.StateAt(Now.AddDays(14)).ShouldBe(InvitationState.Expired);
        var user = new User(Guid.NewGuid(), "Ana", "ana@example.com", EntraTenant, Guid.NewGuid());
        Should.Throw<DomainRuleException>(() => invitation.Accept(user, msp, Now.AddDays(15))).Code.ShouldBe("invitation_expired");
        Should.Throw<DomainRuleException>(() => invitation.Revoke(Now.AddDays(15))).Code.ShouldBe("invitation_expired");
        user.Memberships.ShouldBeEmpty();
    }

    [Fact]
    public void An_invitation_binds_only_from_the_organisations_Entra_tenant_and_only_once()
    {
        var msp = Msp();
        var invitation = new Invitation(Guid.NewGuid(), msp, "ana@example.com", Role.MspEngineer, null, Now, TimeSpan.FromDays(14));
        var stranger = new User(Guid.NewGuid(), "Ana elsewhere", "ana@example.com", Guid.NewGuid(), Guid.NewGuid());
        Should.Throw<DomainRuleException>(() => invitation.Accept(stranger, msp, Now)).Code.ShouldBe("wrong_entra_tenant");
        var other = new User(Guid.NewGuid(), "Bo", "bo@example.com", EntraTenant, Guid.NewGuid());
        Should.Throw<DomainRuleException>(() => invitation.Accept(other, msp, Now)).Code.ShouldBe("wrong_email");
        invitation.IsPendingAt(Now).ShouldBeTrue();

        var ana = new User(Guid.NewGuid(), "Ana", "ana@example.com", EntraTenant, Guid.NewGuid());
        var membership = invitation.Accept(ana, msp, Now);
        membership.Role.ShouldBe(Role.MspEngineer);
        invitation.StateAt(Now).ShouldBe(InvitationState.Accepted);
        invitation.AcceptedUserId.ShouldBe(ana.Id);
        Should.Throw<DomainRuleException>(() => invitation.Accept(ana, msp, Now)).Code.ShouldBe("invitation_accepted");
        Should.Throw<DomainRuleException>(() => invitation.Revoke(Now)).Code.ShouldBe("invitation_accepted");
    }

    [Fact]
    public void A_revoked_invitation_cannot_bind()
    {
        var msp = Msp();
        var invitation = new Invitation(Guid.NewGuid(), msp, "ana@example.com", Role.MspLead, null, Now, TimeSpan.FromDays(14));
        invitation.Revoke(Now);
        var ana = new User(Guid.NewGuid(), "Ana", "ana@example.com", EntraTenant, Guid.NewGuid());
        Should.Throw<DomainRuleException>(() => invitation.Accept(ana, msp, Now)).Code.ShouldBe("invitation_revoked");
    }

    [Fact]
    public void Nobody_is_invited_to_a_deactivated_organisation()
    {
        var msp = Msp();
        msp.Deactivate(Now);
        Should.Throw<DomainRuleException>(() => new Invitation(Guid.NewGuid(), msp, "ana@example.com", Role.MspLead, null, Now, TimeSpan.FromDays(1)))
            .Code.ShouldBe("organisation_deactivated");
    }

    [Fact]
    public void A_member_changes_to_another_role_of_the_same_kind_only()
    {
        var msp = Msp();
        var ana = new User(Guid.NewGuid(), "Ana", "ana@example.com", EntraTenant, Guid.NewGuid());
        var membership = ana.Join(msp, Role.MspEngineer);
        Should.Throw<InvalidValueException>(() => membership.ChangeRole(msp, Role.CustomerAdmin, ana.Memberships)).Code.ShouldBe("role_mismatch");
        Should.Throw<InvalidValueException>(() => membership.ChangeRole(msp, Role.MspIntegration, ana.Memberships)).Code.ShouldBe("role_mismatch");
        Should.Throw<DomainRuleException>(() => membership.ChangeRole(msp, Role.MspEngineer, ana.Memberships)).Code.ShouldBe("same_role");
        membership.ChangeRole(msp, Role.MspLead, ana.Memberships);
        membership.Role.ShouldBe(Role.MspLead);

        var second = ana.Join(msp, Role.MspEngineer);
        Should.Throw<DomainRuleException>(() => second.ChangeRole(msp, Role.MspLead, ana.Memberships)).Code.ShouldBe("duplicate_membership");
    }

    [Fact]
    public void An_organisation_is_renamed_and_bound_to_a_real_Entra_tenant()
    {
        var msp = Msp();
        msp.Rename("  Harbor IT Partners ");
        msp.Name.ShouldBe("Harbor IT Partners");
        Should.Throw<InvalidValueException>(() => msp.Rename(" ")).Code.ShouldBe("invalid_name");
        Should.Throw<InvalidValueException>(() => msp.Rename(new string('x', Organisation.NameMaxLength + 1))).Code.ShouldBe("invalid_name");
        var tenant = Guid.NewGuid();
        msp.BindEntraTenant(tenant);
        msp.EntraTenantId.ShouldBe(tenant);
        Should.Throw<InvalidValueException>(() => msp.BindEntraTenant(Guid.Empty)).Code.ShouldBe("invalid_entra_tenant");
    }

    [Fact]
    public void Only_a_customer_changes_its_prefix_and_only_to_capital_letters()
    {
        var customer = new Organisation(Guid.NewGuid(), "Northwind", OrganisationKind.Customer, Guid.NewGuid(), "NWA");
        customer.ChangeIncidentPrefix("NWX");
        customer.IncidentPrefix.ShouldBe("NWX");
        Should.Throw<InvalidValueException>(() => customer.ChangeIncidentPrefix("nw1")).Code.ShouldBe("invalid_prefix");
        Should.Throw<InvalidValueException>(() => Msp().ChangeIncidentPrefix("HAR")).Code.ShouldBe("invalid_prefix");
    }

    [Fact]
    public void The_admin_role_of_each_kind_is_a_role_people_can_be_invited_with()
    {
        foreach (var kind in Enum.GetValues<OrganisationKind>())
        {
            Invitation.RolesFor(kind).ShouldContain(RoleRules.AdminRoleOf(kind));
            RoleRules.Grants(RoleRules.AdminRoleOf(kind), Permission.ManagePeople).ShouldBeTrue();
        }
    }
}
