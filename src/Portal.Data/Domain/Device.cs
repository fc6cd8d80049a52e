using System.Text;

namespace Portal.Domain;

/// <summary>
/// An asset of a customer tenant; remediation tasks are per device. A device is known by the id the MSP's RMM
/// tool gives it (<see cref="ExternalId"/>), or by its hostname when it has none: that is its <see cref="MatchKey"/>,
/// unique within the tenant, which makes imports and RMM updates idempotent.
/// </summary>
public sealed class Device
{
    public const int HostnameMaxLength = 255;
    public const int ExternalIdMaxLength = 128;
    public const int OperatingSystemMaxLength = 100;
    public const int SiteMaxLength = 100;
    public const int TagsMaxLength = 500;
    public const int MatchKeyMaxLength = 260;

    private Device() { Hostname = ""; MatchKey = ""; Tags = ""; }

    private Device(Guid id, Guid tenantId, DateTimeOffset now)
    {
        Id = id;
        TenantId = tenantId;
        Hostname = "";
        MatchKey = "";
        Tags = "";
        CreatedAt = now;
        UpdatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public string Hostname { get; private set; }

    /// <summary>The RMM tool's id for the device; null when the MSP has none (the hostname identifies it then).</summary>
    public string? ExternalId { get; private set; }
    public string? OperatingSystem { get; private set; }
    public string? Site { get; private set; }

    /// <summary>Normalised tags: lower case, sorted, comma-separated with a comma at each end (",kiosk,pos,"), so a tag filter is a LIKE '%,tag,%'.</summary>
    public string Tags { get; private set; }

    /// <summary>"ext:" + external id, or "host:" + lower-case hostname when there is none: unique per tenant.</summary>
    public string MatchKey { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Optimistic concurrency token (as on tasks): a correction made on a page from before a colleague's is a 409, not a silent revert.</summary>
    public long Version { get; private set; }

    /// <summary>The change is made against the version the caller last saw (a page's form, If-Match), or it is refused.</summary>
    public void EnsureVersion(long? expected)
    {
        if (expected is { } version && version != Version) throw new StaleVersionException("device", version, Version);
    }

    public IReadOnlyList<string> TagList => Tags.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public static Device Register(Guid tenantId, string? hostname, string? externalId, string? operatingSystem, string? site, IEnumerable<string>? tags, DateTimeOffset now)
    {
        var device = new Device(Guid.CreateVersion7(now), tenantId, now);
        device.Set(hostname, externalId, operatingSystem, site, tags);
        return device;
    }

    /// <summary>Changes the descriptive fields; returns false when nothing changed (nothing to save).</summary>
    public bool Update(string? hostname, string? externalId, string? operatingSystem, string? site, IEnumerable<string>? tags, DateTimeOffset now)
    {
        var before = (Hostname, ExternalId, OperatingSystem, Site, Tags);
        Set(hostname, externalId, operatingSystem, site, tags);
        if (before == (Hostname, ExternalId, OperatingSystem, Site, Tags)) return false;
        UpdatedAt = now;
        return true;
    }

    /// <summary>The key a device with these values has in its tenant (the rule the unique index enforces).</summary>
    public static string KeyFor(string? externalId, string hostname) =>
        string.IsNullOrWhiteSpace(externalId) ? "host:" + hostname.Trim().ToLowerInvariant() : "ext:" + externalId.Trim();

    /// <summary>Tags as stored: trimmed, lower case, no commas inside a tag, duplicates removed, sorted.</summary>
    public static string NormaliseTags(IEnumerable<string>? tags)
    {
        // A loop rather than LINQ: an import runs this once per row. Sorting first and skipping equal neighbours is Distinct + Order.
        var clean = new List<string>();
        foreach (var tag in tags ?? [])
        {
            var t = tag.Trim().ToLowerInvariant();
            if (t.Length > 0) clean.Add(t);
        }
        if (clean.Count == 0) return "";
        clean.Sort(StringComparer.Ordinal);
        var stored = new StringBuilder(",");
        string? previous = null;
        foreach (var t in clean)
        {
            if (t.Contains(',')) throw new InvalidValueException("invalid_tag", "A tag cannot contain a comma.");
            if (HasControl(t)) throw new InvalidValueException("invalid_tag", "A tag cannot contain control characters.");
            if (t == previous) continue;
            stored.Append(t).Append(',');
            previous = t;
        }
        if (stored.Length > TagsMaxLength) throw new InvalidValueException("tags_too_long", $"The tags take {stored.Length} characters; the limit is {TagsMaxLength}.");
        return stored.ToString();
    }

    /// <summary>Splits "a, b; c" or "a|b" as people and RMM exports write tag lists.</summary>
    public static IEnumerable<string> ParseTags(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split([',', ';', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private void Set(string? hostname, string? externalId, string? operatingSystem, string? site, IEnumerable<string>? tags)
    {
        Hostname = Required(hostname, HostnameMaxLength, "hostname");
        ExternalId = Optional(externalId, ExternalIdMaxLength, "external id");
        OperatingSystem = Optional(operatingSystem, OperatingSystemMaxLength, "operating system");
        Site = Optional(site, SiteMaxLength, "site");
        Tags = NormaliseTags(tags);
        MatchKey = KeyFor(ExternalId, Hostname);
    }

    /// <summary>char.IsControl for any character: U+0000–U+001F and U+007F–U+009F.</summary>
    private static bool HasControl(string text) =>
        text.AsSpan().IndexOfAnyInRange('\u0000', '\u001F') >= 0 || text.AsSpan().IndexOfAnyInRange('\u007F', '\u009F') >= 0;

    private static string Required(string? value, int max, string what) =>
        Optional(value, max, what) ?? throw new InvalidValueException("empty_" + what.Replace(' ', '_'), $"The {what} cannot be empty.");

    private static string? Optional(string? value, int max, string what)
    {
        var clean = value?.Trim();
        if (string.IsNullOrEmpty(clean)) return null;
        if (clean.Length > max) throw new InvalidValueException("text_too_long", $"The {what} is {clean.Length} characters; the limit is {max}.");
        if (HasControl(clean)) throw new InvalidValueException("invalid_text", $"The {what} contains control characters.");
        return clean;
    }
}
