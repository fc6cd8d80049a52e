using System.Diagnostics;
using Mediator;
using Portal.Infrastructure.Telemetry;

namespace Portal.Pipeline;

/// <summary>
/// Outermost behaviour: every command and query gets its own span (ActivitySource "Portal", named after the
/// message type) inside the request's trace, one <c>portal.commands</c> count tagged with its type and outcome,
/// and a logging scope with the tenant and incident it names. It runs on the cached status read too, so the
/// tag lists are built once per message type and nothing is allocated when nobody listens.
/// </summary>
public sealed class TelemetryBehavior<TMessage, TResponse>(PortalMetrics metrics, ILogger<TelemetryBehavior<TMessage, TResponse>> logger)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    private static readonly string MessageType = typeof(TMessage).Name;

    /// <summary>(message type, outcome) per <see cref="MessageOutcome"/>, built once for this message type.</summary>
    private static readonly KeyValuePair<string, object?>[][] OutcomeTags = [.. MessageOutcomes.Names.Select(outcome => new KeyValuePair<string, object?>[]
    {
        new(PortalMetrics.MessageTypeTag, MessageType),
        new(PortalMetrics.OutcomeTag, outcome),
    })];

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var (tenantId, incidentId) = Ids(message);
        using var activity = PortalTelemetry.ActivitySource.StartActivity(MessageType);
        if (activity is { IsAllDataRequested: true })
        {
            if (tenantId is { } t) activity.SetTag("portal.tenant_id", t);
            if (incidentId is { } i) activity.SetTag("portal.incident_id", i);
        }
        // A scope costs an allocation or two: only when the message names something and logging would write it.
        using var scope = (tenantId.HasValue || incidentId.HasValue) && logger.IsEnabled(LogLevel.Information)
            ? logger.BeginScope(new MessageLogScope(tenantId, incidentId))
            : null;
        try
        {
            var response = await next(message, cancellationToken);
            Record(activity, MessageOutcome.Ok);
            return response;
        }
        catch (Exception exception)
        {
            var outcome = MessageOutcomes.Of(exception, cancellationToken);
            Record(activity, outcome);
            if (activity is not null && outcome == MessageOutcome.Error)
            {
                activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
                activity.AddException(exception);
            }
            throw;
        }
    }

    private void Record(Activity? activity, MessageOutcome outcome)
    {
        var tags = OutcomeTags[(int)outcome];
        metrics.MessageHandled(tags);
        activity?.SetTag(PortalMetrics.OutcomeTag, tags[1].Value);
    }

    private static (Guid? TenantId, Guid? IncidentId) Ids(TMessage message) => message switch
    {
        IIncidentRequest i => (message is ITenantRequest t ? t.TenantId : null, i.IncidentId),
        ITenantRequest t => (t.TenantId, null),
        IOptionalTenantRequest o => (o.TenantId, null),
        _ => (null, null),
    };
}
