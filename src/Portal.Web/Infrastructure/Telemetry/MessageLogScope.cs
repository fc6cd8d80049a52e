using System.Collections;

namespace Portal.Infrastructure.Telemetry;

/// <summary>Logging scope of one command or query: <c>TenantId</c> and/or <c>IncidentId</c>, whichever the message names.</summary>
public sealed class MessageLogScope(Guid? tenantId, Guid? incidentId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const string TenantIdKey = "TenantId";
    public const string IncidentIdKey = "IncidentId";

    public int Count => (tenantId.HasValue ? 1 : 0) + (incidentId.HasValue ? 1 : 0);

    public KeyValuePair<string, object?> this[int index] => (index, tenantId.HasValue) switch
    {
        (0, true) => new KeyValuePair<string, object?>(TenantIdKey, tenantId!.Value),
        (0, false) or (1, true) when incidentId.HasValue => new KeyValuePair<string, object?>(IncidentIdKey, incidentId.Value),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => (tenantId, incidentId) switch
    {
        ({ } t, { } i) => $"{TenantIdKey}:{t} {IncidentIdKey}:{i}",
        ({ } t, null) => $"{TenantIdKey}:{t}",
        (null, { } i) => $"{IncidentIdKey}:{i}",
        _ => "",
    };
}
