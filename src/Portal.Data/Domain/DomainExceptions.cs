namespace Portal.Domain;

/// <summary>A request the domain refuses because of the current state (an illegal transition, a duplicate): 409.</summary>
public class DomainRuleException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>A value the domain cannot hold (empty, too long, undefined): 400. Validators catch these first at the edge.</summary>
public sealed class InvalidValueException(string code, string message) : DomainRuleException(code, message);

/// <summary>The actor may see the record but may not do this to it: 403.</summary>
public sealed class NotPermittedException(string message) : Exception(message);

/// <summary>The client's copy is older than the stored one: 409 with the current version.</summary>
public sealed class StaleVersionException(long expected, long current)
    : DomainRuleException("stale_version", $"The incident has changed since version {expected}; it is now at version {current}. Reload it and try again.")
{
    public long Expected { get; } = expected;
    public long Current { get; } = current;
}
