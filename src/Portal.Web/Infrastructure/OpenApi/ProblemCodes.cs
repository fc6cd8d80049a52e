namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// Every <c>code</c> a problem answer of the API can carry, for clients to branch on: the domain's refusals
/// (<c>DomainRuleException</c> 409, <c>InvalidValueException</c> 400), the device file checks and the rate limiter.
/// Published as the enum of <c>ProblemDetails.code</c>; <c>ProblemCodesTests</c> fails when the code base throws one missing here.
/// </summary>
public static class ProblemCodes
{
    /// <summary>The client's copy is older than the stored one (If-Match); the problem carries <c>currentVersion</c>.</summary>
    public const string StaleVersion = "stale_version";
    public const string RateLimited = "rate_limited";

    /// <summary>The 409 codes (DomainRuleException) of each feature's commands, by the routes' tag: named in their 409 descriptions.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ConflictsByTag = new Dictionary<string, string[]>
    {
        ["Incidents"] = ["already_acknowledged", "transition_not_allowed", "incident_closed", "incident_not_open"],
        ["Remediation"] = ["duplicate_device", "duplicate_task", "transition_not_allowed", "incident_closed"],
        ["Device imports"] = ["incident_closed", "import_finished"],
        ["Advisories"] = ["advisory_resolved"],
        ["Advisories (MSP)"] = ["advisory_resolved", "incident_closed"],
        ["Organisations"] = ["already_deactivated", "not_deactivated", "platform_required", "prefix_fixed", "prefix_taken", "already_subscribed",
            "duplicate_service"],
        ["People"] = ["already_invited", "already_member", "duplicate_membership", "last_admin", "same_role", "role_mismatch",
            "invitation_accepted", "invitation_expired", "invitation_revoked", "last_on_call_engineer"],
        ["Contracts"] = ["contract_exists", "contract_ended", "invalid_contract", "transition_not_allowed", "organisation_deactivated"],
        ["Escalations"] = ["looser_than_policy", "no_rotation", "override_overlaps", "too_many_overrides"],
        ["Notifications"] = ["no_secret", "duplicate_endpoint_name"],
    };

    public static readonly string[] All =
    [
        // concurrency, limits and availability
        StaleVersion, RateLimited, Pipeline.ProblemDetailsExceptionHandler.DatabaseUnavailableCode,
        // repeated requests (Idempotency-Key)
        Http.IdempotencyKeyHeader.InvalidCode, Domain.IdempotencyKeyReusedException.Code,
        // incidents, tasks and devices
        "already_acknowledged", "transition_not_allowed", "resolve_before_acknowledge", "incident_closed", "incident_not_open", "reason_required",
        "invalid_status", "invalid_severity", "invalid_visibility", "invalid_state", "invalid_text", "empty_text", "text_too_long", "message_too_long",
        "not_an_engineer", "duplicate_device", "duplicate_task", "empty_hostname", "invalid_tag", "tags_too_long", "invalid_cursor", "invalid_limit",
        // device imports
        "import_finished", "empty_file", "no_rows", "invalid_utf8", "nul_byte", "too_many_columns", "missing_hostname_column", "duplicate_column",
        "record_too_long", "unclosed_quote", "missing_file", "malformed_upload", "file_too_large", "too_many_rows", "unsupported_media_type",
        // advisories and subscriptions
        "advisory_resolved", "already_subscribed", "unknown_service", "no_services", "too_many_services", "invalid_region", "too_many_regions",
        "not_a_customer", "invalid_kind", "duplicate_service",
        // organisations, people and contracts
        "already_deactivated", "not_deactivated", "organisation_deactivated", "invalid_name", "invalid_prefix", "prefix_fixed", "prefix_taken",
        "invalid_entra_tenant", "wrong_entra_tenant", "platform_required", "already_invited", "already_member", "duplicate_membership",
        "invitation_accepted", "invitation_expired", "invitation_revoked", "invalid_email", "wrong_email", "invalid_role", "role_mismatch",
        "same_role", "last_admin", "last_on_call_engineer", "not_an_msp", "not_an_msp_member", "contract_ended", "contract_exists", "invalid_contract",
        // escalations and notifications
        "escalation_not_due", "empty_level", "levels_not_ascending", "looser_than_policy", "invalid_targets", "invalid_minutes", "invalid_severities",
        "invalid_day", "invalid_shift", "invalid_time_zone", "no_engineers", "no_rotation", "too_many_engineers", "duplicate_engineer",
        "too_many_levels", "too_many_overrides", "override_overlaps", "invalid_channel", "unknown_channel", "too_many_channels", "too_many_recipients",
        "endpoint_not_allowed", "invalid_url", "no_secret", "duplicate_endpoint_name",
    ];
}
