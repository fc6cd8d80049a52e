using Portal.Domain;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>The contract's own table of steps: who may take which, from which state, and what grants access.</summary>
public sealed class ContractRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Organisation Msp = new(Guid.NewGuid(), "Harbor", OrganisationKind.Msp, Guid.NewGuid());
    private static readonly Organisation Customer = new(Guid.NewGuid(), "Northwind", OrganisationKind.Customer, Guid.NewGuid(), "NWA");
    private static readonly ContractParty Lead = new(Guid.NewGuid(), "Liam", ContractSide.Msp);
    private static readonly ContractParty Admin = new(Guid.NewGuid(), "Olivia", ContractSide.Customer);
    private static readonly ContractParty Platform = new(Guid.NewGuid(), "Ada", ContractSide.Platform);

    private static MspContract Proposal(string? message = null) => MspContract.Propose(Guid.NewGuid(), Msp, Customer, Lead, message, Now);

    private static MspContract InState(ContractState state)
    {
        var contract = Proposal();
        switch (state)
        {
            case ContractState.Active: contract.Accept(Admin, Now, Msp, Customer); break;
            case ContractState.Declined: contract.Decline(Admin, Now); break;
            case ContractState.Withdrawn: contract.Withdraw(Lead, Now); break;
            case ContractState.Ended: contract.Accept(Admin, Now, Msp, Customer); contract.End(Admin, Now.AddDays(1)); break;
        }
        contract.State.ShouldBe(state);
        return contract;
    }

    [Fact]
    public void A_proposal_grants_nothing_until_accepted_and_nothing_after_it_ends()
    {
        var contract = Proposal("  We run a 24/7 desk.  ");
        (contract.State, contract.Message, contract.ProposedByName, contract.StartedAt).ShouldBe((ContractState.Proposed, "We run a 24/7 desk.", "Liam", (DateTimeOffset?)null));
        contract.IsActiveAt(Now.AddYears(1)).ShouldBeFalse();
        contract.IsOpen.ShouldBeTrue();

        contract.Accept(Admin, Now.AddHours(1), Msp, Customer);
        (contract.State, contract.StartedAt, contract.StartedByName, contract.ClosedByName).ShouldBe((ContractState.Active, (DateTimeOffset?)Now.AddHours(1), "Olivia", "Olivia"));
        contract.IsActiveAt(Now).ShouldBeFalse("not before it was accepted");
        contract.IsActiveAt(Now.AddHours(1)).ShouldBeTrue();

        contract.End(Lead, Now.AddDays(2));
        (contract.State, contract.EndedByName, contract.EndedBySide).ShouldBe((ContractState.Ended, "Liam", (ContractSide?)ContractSide.Msp));
        contract.IsActiveAt(Now.AddDays(2)).ShouldBeFalse();
        contract.IsOpen.ShouldBeFalse();
    }

    [Theory]
    [InlineData(ContractState.Declined)]
    [InlineData(ContractState.Withdrawn)]
    public void A_declined_or_withdrawn_proposal_never_grants_access_and_is_final(ContractState state)
    {
        var contract = InState(state);
        contract.IsActiveAt(Now.AddYears(1)).ShouldBeFalse();
        contract.IsOpen.ShouldBeFalse();
        contract.ClosedAt.ShouldBe(Now);
        foreach (var step in AllSteps) Should.Throw<DomainRuleException>(() => step(contract)).Code.ShouldBe("transition_not_allowed");
    }

    private static readonly Action<MspContract>[] AllSteps =
    [
        c => c.Accept(Admin, Now, Msp, Customer), c => c.Decline(Admin, Now), c => c.Withdraw(Lead, Now), c => c.End(Admin, Now.AddDays(3)),
    ];

    /// <summary>Which step is allowed from which state (the rest answer transition_not_allowed).</summary>
    [Theory]
    [InlineData(ContractState.Proposed, 0, true)]
    [InlineData(ContractState.Proposed, 1, true)]
    [InlineData(ContractState.Proposed, 2, true)]
    [InlineData(ContractState.Proposed, 3, false)]
    [InlineData(ContractState.Active, 0, false)]
    [InlineData(ContractState.Active, 1, false)]
    [InlineData(ContractState.Active, 2, false)]
    [InlineData(ContractState.Active, 3, true)]
    [InlineData(ContractState.Ended, 0, false)]
    [InlineData(ContractState.Ended, 3, false)]
    public void Each_step_is_allowed_only_from_its_state(ContractState from, int step, bool allowed)
    {
        var contract = InState(from);
        if (allowed) AllSteps[step](contract);
        else Should.Throw<DomainRuleException>(() => AllSteps[step](contract)).Code.ShouldBe("transition_not_allowed");
    }

    [Fact]
    public void Only_the_customer_answers_and_only_the_MSP_withdraws()
    {
        Should.Throw<NotPermittedException>(() => Proposal().Accept(Lead, Now, Msp, Customer));
        Should.Throw<NotPermittedException>(() => Proposal().Accept(Platform, Now, Msp, Customer));
        Should.Throw<NotPermittedException>(() => Proposal().Decline(Lead, Now));
        Should.Throw<NotPermittedException>(() => Proposal().Withdraw(Admin, Now));
        Should.Throw<NotPermittedException>(() => MspContract.Propose(Guid.NewGuid(), Msp, Customer, Admin, null, Now));
        Should.Throw<NotPermittedException>(() => MspContract.Create(Guid.NewGuid(), Msp, Customer, Lead, Now));
    }

    [Theory]
    [InlineData(ContractSide.Msp)]
    [InlineData(ContractSide.Customer)]
    [InlineData(ContractSide.Platform)]
    public void Either_side_or_the_platform_ends_an_active_contract(ContractSide side)
    {
        var contract = InState(ContractState.Active);
        contract.End(new ContractParty(Guid.NewGuid(), "Someone", side), Now.AddDays(1));
        contract.EndedBySide.ShouldBe(side);
    }

    [Fact]
    public void The_platform_creates_an_active_contract_directly()
    {
        var contract = MspContract.Create(Guid.NewGuid(), Msp, Customer, Platform, Now);
        (contract.State, contract.StartedByName, contract.ProposedAt).ShouldBe((ContractState.Active, "Ada", (DateTimeOffset?)null));
        contract.IsActiveAt(Now).ShouldBeTrue();
    }

    [Fact]
    public void Parties_must_be_an_active_MSP_and_an_active_customer()
    {
        Should.Throw<InvalidValueException>(() => MspContract.Propose(Guid.NewGuid(), Customer, Customer, Lead, null, Now)).Code.ShouldBe("not_an_msp");
        Should.Throw<InvalidValueException>(() => MspContract.Propose(Guid.NewGuid(), Msp, Msp, Lead, null, Now)).Code.ShouldBe("not_a_customer");
        Should.Throw<InvalidValueException>(() => Proposal(new string('x', MspContract.MessageMaxLength + 1))).Code.ShouldBe("message_too_long");

        var gone = new Organisation(Guid.NewGuid(), "Gone", OrganisationKind.Customer, Guid.NewGuid(), "GONE");
        var proposal = MspContract.Propose(Guid.NewGuid(), Msp, gone, Lead, null, Now);
        gone.Deactivate(Now);
        Should.Throw<DomainRuleException>(() => MspContract.Propose(Guid.NewGuid(), Msp, gone, Lead, null, Now)).Code.ShouldBe("organisation_deactivated");
        Should.Throw<DomainRuleException>(() => proposal.Accept(Admin, Now, Msp, gone)).Code.ShouldBe("organisation_deactivated");
        proposal.State.ShouldBe(ContractState.Proposed);
    }

    [Fact]
    public void The_actions_offered_follow_the_state_and_the_side()
    {
        Proposal().ActionsFor(ContractSide.Customer).ShouldBe(["accept", "decline"]);
        Proposal().ActionsFor(ContractSide.Msp).ShouldBe(["withdraw"]);
        Proposal().ActionsFor(ContractSide.Platform).ShouldBeEmpty();
        InState(ContractState.Active).ActionsFor(ContractSide.Platform).ShouldBe(["end"]);
        InState(ContractState.Ended).ActionsFor(ContractSide.Customer).ShouldBeEmpty();
    }

    [Fact]
    public void The_older_End_still_ends_an_active_contract_and_refuses_a_second_end()
    {
        var contract = new MspContract(Guid.NewGuid(), Msp.Id, Customer.Id, Now);
        contract.State.ShouldBe(ContractState.Active);
        contract.End(Now.AddDays(1));
        contract.State.ShouldBe(ContractState.Ended);
        Should.Throw<DomainRuleException>(() => contract.End(Now.AddDays(2))).Code.ShouldBe("contract_ended");
        Should.Throw<DomainRuleException>(() => Proposal().End(Now)).Code.ShouldBe("transition_not_allowed");
    }
}
