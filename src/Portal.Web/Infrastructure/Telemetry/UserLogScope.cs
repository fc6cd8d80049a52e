using System.Collections;

namespace Portal.Infrastructure.Telemetry;

/// <summary>
/// Logging scope of a signed-in user: <c>UserId</c>. One instance per resolved <see cref="Auth.UserAccess"/> (cached with it),
/// so opening it costs no allocation of its own. Providers with scopes on (console, OpenTelemetry) write it with every entry.
/// </summary>
public sealed class UserLogScope(Guid userId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const string UserIdKey = "UserId";

    private readonly object _boxedId = userId;

    public int Count => 1;

    public KeyValuePair<string, object?> this[int index] => index == 0
        ? new KeyValuePair<string, object?>(UserIdKey, _boxedId)
        : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{UserIdKey}:{_boxedId}";
}
