using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>
/// Many new incidents acknowledged at once: the triage page's "Acknowledge ticked", and MSP tooling's
/// <c>POST /api/v1/incidents/acknowledge</c> (an advisory's fan-out opens one Sev1 incident per tenant, each on its own
/// acknowledgement clock). Not one command but one <see cref="AcknowledgeIncident"/> per incident, each its own unit of work
/// with its own access check, exactly as from the incident's own page: one refused (acknowledged meanwhile, another MSP's,
/// gone) is reported with its problem and stops none of the others. Who has no triage queue (a customer, a provider) is
/// refused before any.
/// </summary>
public static class AcknowledgeIncidents
{
    /// <summary>Most incidents per call: two triage pages' worth, a few seconds of work at most.</summary>
    public const int MaxIncidents = 100;

    /// <summary>One incident that was not acknowledged: the problem its own acknowledgement answered (status, title, detail, code).</summary>
    public sealed record Refusal(Guid IncidentId, int Status, string Title, string? Detail, string? Code);

    /// <summary>The incidents acknowledged by this call, in the order asked, and those refused.</summary>
    public sealed record Outcome(IReadOnlyList<IncidentView> Acknowledged, IReadOnlyList<Refusal> Refused);

    public static async Task<Outcome> RunAsync(IMediator mediator, IReadOnlyCollection<Guid>? incidentIds, CancellationToken cancellationToken)
    {
        await mediator.Send(new ListTriageTenants(), cancellationToken); // refuses whoever works no tenant's incidents
        var ids = (incidentIds ?? []).Distinct().ToList();
        if (ids.Count is 0 or > MaxIncidents || ids.Contains(Guid.Empty))
            throw new ValidationException([new ValidationFailure("incidentIds", $"Send 1 to {MaxIncidents} incident ids (an empty id is none).")]);
        List<IncidentView> acknowledged = [];
        List<Refusal> refused = [];
        foreach (var id in ids)
        {
            try
            {
                acknowledged.Add(await mediator.Send(new AcknowledgeIncident(id), cancellationToken));
            }
            catch (Exception e) when (ProblemDetailsExceptionHandler.ToProblem(e) is { } problem)
            {
                refused.Add(new Refusal(id, problem.Status ?? StatusCodes.Status500InternalServerError, problem.Title ?? "Refused", problem.Detail,
                    problem.Extensions.TryGetValue("code", out var code) ? code as string : null));
            }
        }
        return new Outcome(acknowledged, refused);
    }
}
