namespace Portal.Domain;

public enum OrganisationKind { Provider, Msp, Customer, Platform }

/// <summary>A provider, an MSP, a customer tenant or the platform operator. A customer organisation is a "tenant".</summary>
public sealed class Organisation
{
    private Organisation() { Name = ""; }

    public const int NameMaxLength = 200;
    public const int PrefixMaxLength = 8;

    public Organisation(Guid id, string name, OrganisationKind kind, Guid? entraTenantId, string? incidentPrefix = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!Enum.IsDefined(kind)) throw new InvalidValueException("invalid_kind", $"{kind} is not a kind of organisation.");
        if (name.Trim().Length > NameMaxLength) throw new InvalidValueException("invalid_name", $"A name is at most {NameMaxLength} characters.");
        if (!PlainText.IsPlain(name, multiline: false)) throw new InvalidValueException("invalid_name", PlainText.Refusal("name"));
        if (entraTenantId == Guid.Empty) throw new InvalidValueException("invalid_entra_tenant", "The Entra tenant id cannot be all zeros.");
        if (kind == OrganisationKind.Customer)
        {
            if (!IsValidPrefix(incidentPrefix))
                throw new InvalidValueException("invalid_prefix", "A customer tenant needs an incident prefix of 1 to 8 capital letters, such as NWA.");
        }
        else if (incidentPrefix is not null)
        {
            throw new InvalidValueException("invalid_prefix", "Only customer tenants number incidents.");
        }
        Id = id;
        Name = name.Trim();
        Kind = kind;
        EntraTenantId = entraTenantId;
        IncidentPrefix = incidentPrefix;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; }
    public OrganisationKind Kind { get; private set; }

    /// <summary>The Entra ID tenant (<c>tid</c>) its people sign in from; tokens from unknown tenants are refused.</summary>
    public Guid? EntraTenantId { get; private set; }

    /// <summary>Customer tenants only: the prefix of incident references, e.g. NWA in NWA-42.</summary>
    public string? IncidentPrefix { get; private set; }

    /// <summary>Customer tenants only: the last incident number handed out (incremented atomically in the database).</summary>
    public int LastIncidentNumber { get; private set; }

    /// <summary>
    /// When the platform deactivated it: its people lose all access at once (their access resolves to nobody), nobody manages or
    /// sees its tenant through it, and its data is kept. Null while active.
    /// </summary>
    public DateTimeOffset? DeactivatedAt { get; private set; }

    public bool IsActive => DeactivatedAt is null;

    public void Deactivate(DateTimeOffset at)
    {
        if (Kind == OrganisationKind.Platform) throw new DomainRuleException("platform_required", "The platform operator cannot be deactivated.");
        if (DeactivatedAt is not null) throw new DomainRuleException("already_deactivated", $"{Name} is already deactivated.");
        DeactivatedAt = at;
    }

    public static bool IsValidPrefix(string? prefix) =>
        !string.IsNullOrWhiteSpace(prefix) && prefix.Length <= PrefixMaxLength && prefix.All(char.IsAsciiLetterUpper);

    public void Rename(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > NameMaxLength)
            throw new InvalidValueException("invalid_name", $"A name is 1 to {NameMaxLength} characters.");
        if (!PlainText.IsPlain(name, multiline: false)) throw new InvalidValueException("invalid_name", PlainText.Refusal("name"));
        Name = name.Trim();
    }

    /// <summary>Binds (or re-binds) the organisation to the Entra tenant its people sign in from; tokens of other tenants do not count for it.</summary>
    public void BindEntraTenant(Guid entraTenantId)
    {
        if (entraTenantId == Guid.Empty) throw new InvalidValueException("invalid_entra_tenant", "The Entra tenant id cannot be all zeros.");
        EntraTenantId = entraTenantId;
    }

    /// <summary>
    /// A customer's incident prefix may change only while no incident carries it (references like NWA-42 are handed out and
    /// quoted); uniqueness across tenants is the database's unique index, checked first by the caller for a clear answer.
    /// </summary>
    public void ChangeIncidentPrefix(string prefix)
    {
        if (Kind != OrganisationKind.Customer) throw new InvalidValueException("invalid_prefix", "Only customer tenants number incidents.");
        if (!IsValidPrefix(prefix)) throw new InvalidValueException("invalid_prefix", "An incident prefix is 1 to 8 capital letters, such as NWA.");
        if (prefix == IncidentPrefix) return;
        if (LastIncidentNumber > 0)
            throw new DomainRuleException("prefix_fixed", $"{Name} already has incidents numbered {IncidentPrefix}-…; its prefix can no longer change.");
        IncidentPrefix = prefix;
    }

    public void Reactivate()
    {
        if (DeactivatedAt is null) throw new DomainRuleException("not_deactivated", $"{Name} is active.");
        DeactivatedAt = null;
    }

    /// <summary>The last sequence number of this organisation's live stream (a tenant's full stream, an MSP's or a provider's).</summary>
    public long LastStreamSequence { get; private set; }

    /// <summary>Customer tenants only: the last sequence number of the customer-visible stream (internal changes skip it).</summary>
    public long LastCustomerStreamSequence { get; private set; }
}
