using System.Text.RegularExpressions;

namespace Portal.Domain;

/// <summary>What an escalation is about: nobody acknowledged the incident in time, or nobody resolved it in time.</summary>
public enum EscalationKind { Acknowledge, Resolve }

/// <summary>The acknowledgement and resolution targets of one severity, in minutes from the incident's opening.</summary>
public sealed record SeverityTarget(Severity Severity, int AcknowledgeMinutes, int ResolveMinutes);

/// <summary>
/// One step of an escalation: <see cref="AfterMinutes"/> past the breached target (0 = at the breach), notify these users, everyone
/// of the MSP holding these roles, whoever is on call at that moment, and these named channels (handed to the outbox).
/// </summary>
public sealed record EscalationLevel(EscalationKind Kind, int Level, int AfterMinutes, IReadOnlyList<Guid> UserIds, IReadOnlyList<Role> Roles,
    bool OnCall, IReadOnlyList<string> Channels);

/// <summary>
/// An MSP's escalation policy (its MspLead edits it): per severity an acknowledgement and a resolution target, and ordered
/// levels per kind. Levels count from the breach, not from the opening, so one ladder fits every severity: with the default
/// policy a Sev1 nobody acknowledged wakes the on-call engineer at 15 minutes and the MSP's leads at 30.
/// An MSP without a stored policy uses <see cref="Default"/>.
/// </summary>
public sealed partial class EscalationPolicy
{
    public const int MaxMinutes = 60 * 24 * 90; // 90 days: anything longer is a typo
    public const int MaxLevels = 10;
    public const int MaxRecipients = 50;
    public const int MaxChannels = 10;
    public const int ChannelMaxLength = 64;

    /// <summary>
    /// The default (documented in docs/capabilities.md "Escalations"): acknowledge Sev1 15 min, Sev2 30 min, Sev3 4 h, Sev4 24 h;
    /// resolve Sev1 4 h, Sev2 8 h, Sev3 3 days, Sev4 7 days. Unacknowledged: on call at the breach, the MSP's leads 15 minutes later.
    /// Unresolved: the MSP's leads at the breach.
    /// </summary>
    public static readonly IReadOnlyList<SeverityTarget> DefaultTargets =
    [
        new(Severity.Sev1, 15, 240),
        new(Severity.Sev2, 30, 480),
        new(Severity.Sev3, 240, 4320),
        new(Severity.Sev4, 1440, 10080),
    ];

    public static readonly IReadOnlyList<EscalationLevel> DefaultLevels =
    [
        new(EscalationKind.Acknowledge, 1, 0, [], [], OnCall: true, []),
        new(EscalationKind.Acknowledge, 2, 15, [], [Role.MspLead], OnCall: false, []),
        new(EscalationKind.Resolve, 1, 0, [], [Role.MspLead], OnCall: false, []),
    ];

    private EscalationPolicy() { Targets = []; Levels = []; UpdatedByName = ""; }

    private EscalationPolicy(Guid mspId)
    {
        Id = Guid.NewGuid();
        MspId = mspId;
        Targets = DefaultTargets;
        Levels = DefaultLevels;
        UpdatedByName = "";
    }

    public Guid Id { get; private set; }
    public Guid MspId { get; private set; }

    /// <summary>One per severity, Sev1 first.</summary>
    public IReadOnlyList<SeverityTarget> Targets { get; private set; }

    /// <summary>Per kind, level 1, 2, 3… with strictly ascending <see cref="EscalationLevel.AfterMinutes"/>.</summary>
    public IReadOnlyList<EscalationLevel> Levels { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedById { get; private set; }
    public string UpdatedByName { get; private set; }

    /// <summary>True for the policy an MSP has until its lead saves one (not stored).</summary>
    public bool IsDefault => UpdatedById is null;

    public static EscalationPolicy Default(Guid mspId) => new(mspId);

    public SeverityTarget TargetFor(Severity severity) => Targets.Single(t => t.Severity == severity);

    public IEnumerable<EscalationLevel> LevelsOf(EscalationKind kind) => Levels.Where(l => l.Kind == kind).OrderBy(l => l.Level);

    /// <summary>
    /// Replaces targets and levels at once. <paramref name="mspMembers"/>: the users who belong to the MSP (a level may name only
    /// them). Levels are numbered here, per kind, in the order given; their minutes must ascend strictly.
    /// </summary>
    public void Replace(IReadOnlyList<SeverityTarget> targets, IReadOnlyList<EscalationLevel> levels, IReadOnlySet<Guid> mspMembers, Guid byId, string byName, DateTimeOffset now)
    {
        var checkedTargets = CheckTargets(targets);
        var numbered = new List<EscalationLevel>();
        foreach (var kind in Enum.GetValues<EscalationKind>())
        {
            var ofKind = levels.Where(l => l.Kind == kind).ToList();
            var previous = -1;
            for (var i = 0; i < ofKind.Count; i++)
            {
                var level = ofKind[i];
                var where = $"{kind} level {i + 1}";
                if (level.AfterMinutes < 0 || level.AfterMinutes > MaxMinutes)
                    throw new InvalidValueException("invalid_minutes", $"{where}: minutes after the breach must be between 0 and {MaxMinutes}.");
                if (level.AfterMinutes <= previous)
                    throw new InvalidValueException("levels_not_ascending", $"{where} fires at {level.AfterMinutes} minutes, not after the level before it ({previous}); levels must ascend.");
                previous = level.AfterMinutes;
                var users = (level.UserIds ?? []).Distinct().ToList();
                var roles = (level.Roles ?? []).Distinct().ToList();
                var channels = (level.Channels ?? []).Select(c => c?.Trim() ?? "").Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                if (users.Count > MaxRecipients) throw new InvalidValueException("too_many_recipients", $"{where} names {users.Count} users; the limit is {MaxRecipients}.");
                if (users.Where(u => !mspMembers.Contains(u)).Select(u => (Guid?)u).FirstOrDefault() is { } stranger)
                    throw new InvalidValueException("not_an_msp_member", $"{where} names user {stranger}, who is not a member of this MSP.");
                if (roles.Where(r => r is not (Role.MspEngineer or Role.MspLead)).Select(r => (Role?)r).FirstOrDefault() is { } role)
                    throw new InvalidValueException("invalid_role", $"{where} names the role {role}; an escalation notifies MspEngineer or MspLead.");
                if (channels.Count > MaxChannels) throw new InvalidValueException("too_many_channels", $"{where} names {channels.Count} channels; the limit is {MaxChannels}.");
                if (channels.FirstOrDefault(c => !ChannelName().IsMatch(c)) is { } badChannel)
                    throw new InvalidValueException("invalid_channel", $"{where}: the channel name '{badChannel}' must be 1 to {ChannelMaxLength} lower-case letters, digits or dashes.");
                if (users.Count == 0 && roles.Count == 0 && !level.OnCall && channels.Count == 0)
                    throw new InvalidValueException("empty_level", $"{where} notifies nobody: name users, roles, on call or a channel.");
                numbered.Add(new EscalationLevel(kind, i + 1, level.AfterMinutes, users, roles, level.OnCall, channels));
            }
            if (numbered.Count(l => l.Kind == kind) > MaxLevels) throw new InvalidValueException("too_many_levels", $"{kind} has more than {MaxLevels} levels.");
        }
        Targets = checkedTargets;
        Levels = numbered;
        UpdatedAt = now;
        UpdatedById = byId;
        UpdatedByName = byName;
    }

    /// <summary>Exactly one target per severity, positive minutes, resolution not before acknowledgement.</summary>
    public static IReadOnlyList<SeverityTarget> CheckTargets(IReadOnlyList<SeverityTarget> targets)
    {
        foreach (var severity in Enum.GetValues<Severity>())
        {
            var count = targets.Count(t => t.Severity == severity);
            if (count != 1) throw new InvalidValueException("invalid_targets", $"The policy needs exactly one target for {severity}; it has {count}.");
        }
        foreach (var t in targets)
        {
            if (!Enum.IsDefined(t.Severity)) throw new InvalidValueException("invalid_severity", $"Severity {(int)t.Severity} does not exist.");
            if (t.AcknowledgeMinutes <= 0 || t.AcknowledgeMinutes > MaxMinutes || t.ResolveMinutes <= 0 || t.ResolveMinutes > MaxMinutes)
                throw new InvalidValueException("invalid_minutes", $"{t.Severity}: targets must be between 1 and {MaxMinutes} minutes.");
            if (t.ResolveMinutes < t.AcknowledgeMinutes)
                throw new InvalidValueException("resolve_before_acknowledge", $"{t.Severity}: the resolution target ({t.ResolveMinutes} min) cannot be shorter than the acknowledgement target ({t.AcknowledgeMinutes} min).");
        }
        return [.. targets.OrderBy(t => t.Severity)];
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex ChannelName();

    /// <summary>Whether a level may name this channel (an endpoint's name, lower-cased, must be one to be named).</summary>
    public static bool IsChannelName(string name) => ChannelName().IsMatch(name);
}
