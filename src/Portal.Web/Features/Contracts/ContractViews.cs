using Portal.Domain;

namespace Portal.Features.Contracts;

/// <summary>
/// A contract as its parties see it: who proposed, accepted (or declined, withdrew) and ended it, and when; <c>Actions</c> are the steps
/// the reader may take now (accept, decline, withdraw, end). <c>MspDeactivated</c> / <c>CustomerDeactivated</c>: that organisation is
/// deactivated now, so its people have no access whatever the contract's state says (deactivation is reversible, and leaves its
/// contracts as they were).
/// </summary>
public sealed record ContractView(Guid Id, Guid MspId, string MspName, Guid CustomerId, string CustomerName, bool MspDeactivated, bool CustomerDeactivated,
    ContractState State, string? Message,
    DateTimeOffset? ProposedAt, string? ProposedBy, DateTimeOffset? StartedAt, string? StartedBy, DateTimeOffset? ClosedAt, string? ClosedBy,
    DateTimeOffset? EndedAt, string? EndedBy, ContractSide? EndedBySide, IReadOnlyList<string> Actions);

/// <summary>An organisation as a contract's view names it; deactivated: its people have no access now, whatever the contract's state.</summary>
public sealed record ContractPartyName(string Name, bool Deactivated);
