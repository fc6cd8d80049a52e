using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// Request and response examples for the main routes, by operation name. Redocly's lint (no-invalid-media-type-examples) checks each
/// one against its schema in the tests, so an example cannot drift from the contract unnoticed.
/// </summary>
public sealed class Examples : IOpenApiOperationTransformer
{
    private const string Incident = """
        {"id":"0193a3c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d","tenantId":"0193a3c4-0000-7000-8000-000000000001","tenantName":"Northwind Traders",
         "reference":"NWT-42","title":"Laptops boot-loop after the sensor update","customerSummary":"Some laptops restart repeatedly; we are on it.",
         "severity":"Sev1","status":"Acknowledged","assignee":{"id":"0193a3c4-0000-7000-8000-0000000000e1","name":"Maya Patel"},
         "createdAt":"2026-07-19T05:12:00+00:00","acknowledgedAt":"2026-07-19T05:14:30+00:00","resolvedAt":null,"closedAt":null,
         "updatedAt":"2026-07-19T05:14:30+00:00","version":2,"nextStatuses":["Investigating","Resolved"],"escalation":null}
        """;

    private static readonly Dictionary<string, (string? Request, string? Response)> ByOperation = new()
    {
        ["CreateIncident"] = ("""
            {"title":"Laptops boot-loop after the sensor update","severity":"Sev1","customerSummary":"Some laptops restart repeatedly; we are on it."}
            """, Incident.Replace("\"Acknowledged\",\"assignee\":{\"id\":\"0193a3c4-0000-7000-8000-0000000000e1\",\"name\":\"Maya Patel\"}", "\"New\",\"assignee\":null")
                .Replace("\"acknowledgedAt\":\"2026-07-19T05:14:30+00:00\"", "\"acknowledgedAt\":null").Replace("\"version\":2", "\"version\":1")
                .Replace("[\"Investigating\",\"Resolved\"]", "[\"Acknowledged\"]")),
        ["AcknowledgeIncident"] = (null, Incident),
        ["ChangeIncidentStatus"] = ("""
            {"status":"Investigating","customerMessage":"We have found the cause and are rolling back the update."}
            """, Incident.Replace("\"status\":\"Acknowledged\"", "\"status\":\"Investigating\"").Replace("\"version\":2", "\"version\":3")
                .Replace("[\"Investigating\",\"Resolved\"]", "[\"Mitigating\",\"Monitoring\",\"Resolved\"]")),
        ["AddIncidentNote"] = ("""
            {"text":"Rollback script tested on 5 machines, all recovered.","visibility":"Internal"}
            """, """
            {"id":"0193a3c4-6000-7000-8000-000000000007","sequence":7,"at":"2026-07-19T06:02:00+00:00","actor":"Maya Patel","kind":"Note",
             "visibility":"Internal","text":"Rollback script tested on 5 machines, all recovered.","fromStatus":null,"toStatus":null}
            """),
        ["GetCustomerStatus"] = (null, """
            {"tenantId":"0193a3c4-0000-7000-8000-000000000001","tenantName":"Northwind Traders","generatedAt":"2026-07-19T06:05:00+00:00",
             "sequence":118,"openIncidents":1,
             "incidents":[{"id":"0193a3c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d","reference":"NWT-42","title":"Laptops boot-loop after the sensor update",
               "summary":"Some laptops restart repeatedly; we are on it.","severity":"Sev1","status":"Investigating","assignee":"Maya Patel",
               "openedAt":"2026-07-19T05:12:00+00:00","updatedAt":"2026-07-19T06:00:00+00:00","resolvedAt":null,
               "progress":{"total":120,"completed":45,"failed":2,"blocked":3},
               "updates":[{"sequence":5,"at":"2026-07-19T06:00:00+00:00","author":"Maya Patel","text":"We have found the cause and are rolling back the update."}]}],
             "advisories":[]}
            """),
        ["BulkChangeTaskState"] = ("""
            {"state":"Done","reason":"Sensor rolled back by the RMM script","summary":"Run 2026-07-19 06:30","items":[{"externalId":"RMM-10023"},{"taskId":"0193a3c4-7000-7000-8000-000000000042"}]}
            """, """
            {"state":"Done","updated":1,"unchanged":0,"notFound":1,"notAllowed":0,
             "items":[{"index":0,"externalId":"RMM-10023","taskId":"0193a3c4-7000-7000-8000-000000000041","result":"updated","message":null,"state":"Done"},
                      {"index":1,"externalId":null,"taskId":"0193a3c4-7000-7000-8000-000000000042","result":"not_found","message":"No such task in this incident.","state":null}],
             "progress":{"total":120,"pending":70,"inProgress":0,"blocked":2,"done":46,"failed":2,"notApplicable":0}}
            """),
        ["PublishAdvisory"] = ("""
            {"title":"Sensor update 7.11 crashes Windows hosts","severity":"Sev1","impact":"Windows hosts with sensor 7.11 boot-loop.",
             "runbook":"1. Boot into safe mode.\n2. Delete the channel file C-00000291*.sys.\n3. Reboot.","serviceIds":["0193a3c4-0000-7000-8000-0000000000f1"],
             "regions":["eu-west"],"status":"Investigating"}
            """, """
            {"id":"0193a3c4-8000-7000-8000-0000000000a1","providerId":"0193a3c4-0000-7000-8000-0000000000b1","providerName":"Contoso Security",
             "title":"Sensor update 7.11 crashes Windows hosts","severity":"Sev1","status":"Investigating","impact":"Windows hosts with sensor 7.11 boot-loop.",
             "runbook":"1. Boot into safe mode.\n2. Delete the channel file C-00000291*.sys.\n3. Reboot.",
             "runbookHtml":"<ol><li>Boot into safe mode.</li><li>Delete the channel file C-00000291*.sys.</li><li>Reboot.</li></ol>",
             "services":[{"id":"0193a3c4-0000-7000-8000-0000000000f1","name":"Contoso Sensor"}],"regions":["eu-west"],
             "publishedAt":"2026-07-19T04:45:00+00:00","updatedAt":"2026-07-19T04:45:00+00:00","resolvedAt":null,"revision":1,"updates":[],"version":1,"eTag":"\"1\""}
            """),
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.OperationId is null || !ByOperation.TryGetValue(operation.OperationId, out var example)) return Task.CompletedTask;
        if (example.Request is not null && operation.RequestBody?.Content?.TryGetValue("application/json", out var request) == true && request is OpenApiMediaType sent)
        {
            sent.Example = JsonNode.Parse(example.Request);
        }
        if (example.Response is not null)
        {
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (status.StartsWith('2') && response.Content?.TryGetValue("application/json", out var media) == true && media is OpenApiMediaType answer)
                {
                    answer.Example = JsonNode.Parse(example.Response);
                }
            }
        }
        return Task.CompletedTask;
    }
}
