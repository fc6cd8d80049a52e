namespace Portal.Domain;

// Every error a user can cause, in one place. Pipeline/ProblemDetailsExceptionHandler maps each to its RFC 7807
// answer and PortalPageModel to the same banner or status page, so the API and the pages never disagree.

/// <summary>A request the domain refuses because of the current state (an illegal transition, a duplicate): 409.</summary>
public class DomainRuleException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>A value the domain cannot hold (empty, too long, undefined): 400. Validators catch these first at the edge.</summary>
public sealed class InvalidValueException(string code, string message) : DomainRuleException(code, message);

/// <summary>The client's copy is older than the stored one: 409 with the current version.</summary>
public sealed class StaleVersionException(string what, long expected, long current)
    : DomainRuleException("stale_version", $"The {what} has changed since version {expected}; it is now at version {current}. Reload it and try again.")
{
    /// <summary>What changed ("incident", "task", "advisory"): the page's banner says so.</summary>
    public string What { get; } = what;

    public long Expected { get; } = expected;
    public long Current { get; } = current;
}

/// <summary>An <c>Idempotency-Key</c> the caller sent before with another request: 422 <c>idempotency_key_reused</c>.</summary>
public sealed class IdempotencyKeyReusedException(string message) : Exception(message)
{
    public const string Code = "idempotency_key_reused";
}

/// <summary>The actor may see the record but may not do this to it: 403.</summary>
public sealed class NotPermittedException(string message) : Exception(message);

/// <summary>
/// A record that is missing or belongs to another tenant: 404 either way, with the same words, so that ids
/// cannot be probed.
/// </summary>
public sealed class NotFoundException(string what, object id) : Exception($"There is no {what} {id}, or you cannot see it.")
{
    public string What { get; } = what;
}

/// <summary>No Portal user behind the request (not signed in, or an identity Portal does not know): 401.</summary>
public sealed class NotSignedInException() : Exception("Sign in to Portal first.");

/// <summary>
/// A device file an import upload refused (Features/Remediation/DeviceImportFile): its status (400, 413 or 415), a stable code
/// for clients, a title and what to do about it. The upload endpoint and the remediation page answer it themselves, before any
/// command runs: the file is checked while it streams in.
/// </summary>
public sealed class DeviceFileRefusedException(int status, string code, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string Title { get; } = title;
}
