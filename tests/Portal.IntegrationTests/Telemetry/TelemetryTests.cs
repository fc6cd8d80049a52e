using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Portal.Infrastructure.Telemetry;

namespace Portal.IntegrationTests.Telemetry;

/// <summary>
/// ActivitySource and Meter listeners are process-wide: a tracer or meter provider of one app also sees the spans and
/// measurements of every other app in the test process. Counting tests therefore run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideTelemetry
{
    public const string Name = "Process-wide telemetry";
}

/// <summary>What an operator sees of one API request: one trace (server span → the query's span → EF Core), counted commands, log scopes.</summary>
[Collection(ProcessWideTelemetry.Name)]
public sealed class TelemetryTests(TracedApp app) : IClassFixture<TracedApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string EfCoreSource = "OpenTelemetry.Instrumentation.EntityFrameworkCore";

    private async Task<Guid> NorthwindIncidentAsync() => (Guid)await app.OnceAsync<object>("incident", async () => await app.QueryAsync(db =>
        db.Incidents.Where(i => i.TenantId == app.Demo.TenantId(DemoDirectory.Northwind)).OrderBy(i => i.Number).Select(i => i.Id).FirstAsync(Ct)));

    [Fact]
    public async Task One_API_request_is_one_trace_with_the_server_span_the_querys_own_span_and_EF_Core_spans()
    {
        var incidentId = await NorthwindIncidentAsync();
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        // Resolve Maya once first: the request that loads a user from the database does so before it knows whose
        // scope to open, so only a request with the user already cached shows every entry scoped (whatever test ran before).
        using (var warm = await maya.GetAsync("/api/v1/me", Ct)) warm.StatusCode.ShouldBe(HttpStatusCode.OK);

        using var response = await maya.GetAsync($"/api/v1/incidents/{incidentId}", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);

        var server = await ServerSpanAsync($"/api/v1/incidents/{incidentId}");
        server.Source.Name.ShouldBe("Microsoft.AspNetCore");
        server.GetTagItem("http.route").ShouldBe("/api/v1/incidents/{id:guid}");
        var trace = app.Spans.Snapshot().Where(s => s.TraceId == server.TraceId).ToList();

        var query = trace.Single(s => s.Source.Name == PortalTelemetry.ActivitySourceName);
        query.DisplayName.ShouldBe("GetIncident");
        query.ParentSpanId.ShouldBe(server.SpanId);
        query.GetTagItem(PortalMetrics.OutcomeTag).ShouldBe("ok");
        query.GetTagItem("portal.incident_id").ShouldBe(incidentId);

        // The access check and the handler read through EF Core inside the query's span.
        var efUnderQuery = trace.Where(s => s.Source.Name == EfCoreSource && s.ParentSpanId == query.SpanId).ToList();
        efUnderQuery.ShouldNotBeEmpty($"spans in the trace: {string.Join(", ", trace.Select(s => $"{s.Source.Name}/{s.DisplayName}"))}");
        efUnderQuery.ShouldAllBe(s => s.Kind == ActivityKind.Client);
        // Each names its database system, from the provider's name (read once: NamedDatabaseProvider).
        efUnderQuery.ShouldAllBe(s => (s.GetTagItem("db.system") ?? s.GetTagItem("db.system.name")) as string == "sqlite");
    }

    [Fact]
    public void The_start_ups_migrations_are_traced_through_EF_Core()
    {
        // The providers are built before the database is prepared (StartPortalTelemetry): without that, start-up's commands
        // went untraced and EF Core's "nobody listens" memory hid the EF Core spans of the first second of requests.
        var efSpans = app.Spans.Snapshot().Where(s => s.Source.Name == EfCoreSource).ToList();
        efSpans.ShouldContain(s => s.Tags.Any(t => t.Value != null && t.Value.Contains("__EFMigrationsHistory", StringComparison.Ordinal)),
            $"{efSpans.Count} EF Core spans recorded");
    }

    [Fact]
    public async Task Commands_are_counted_by_type_and_outcome()
    {
        var incidentId = await NorthwindIncidentAsync();
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var okBefore = CommandCount("GetIncident", "ok");
        var notFoundBefore = CommandCount("GetIncident", "not_found");

        using (var found = await maya.GetAsync($"/api/v1/incidents/{incidentId}", Ct)) found.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var missing = await maya.GetAsync($"/api/v1/incidents/{Guid.NewGuid()}", Ct)) missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // A customer acknowledging is refused by the access check: counted as forbidden, for its own message type.
        var noah = await app.ClientForAsync(DemoDirectory.Noah);
        var forbiddenBefore = CommandCount("AcknowledgeIncident", "forbidden");
        using (var refused = await noah.PostAsync($"/api/v1/incidents/{incidentId}/acknowledge", null, Ct)) refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        CommandCount("GetIncident", "ok").ShouldBeGreaterThanOrEqualTo(okBefore + 1);
        CommandCount("GetIncident", "not_found").ShouldBe(notFoundBefore + 1);
        CommandCount("AcknowledgeIncident", "forbidden").ShouldBe(forbiddenBefore + 1);
    }

    [Fact]
    public async Task Logs_written_during_a_request_carry_the_user_and_the_incident_as_scopes()
    {
        var incidentId = await NorthwindIncidentAsync();
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        // Resolve Maya once first: the request that loads a user from the database does so before it knows whose
        // scope to open, so only a request with the user already cached shows every entry scoped (whatever test ran before).
        using (var warm = await maya.GetAsync("/api/v1/me", Ct)) warm.StatusCode.ShouldBe(HttpStatusCode.OK);

        using var response = await maya.GetAsync($"/api/v1/incidents/{incidentId}", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var server = await ServerSpanAsync($"/api/v1/incidents/{incidentId}");

        // EF Core's "Executed DbCommand" entries of this request, written inside the query's scope.
        var commands = app.Logs.Snapshot().Where(l => l.TraceId == server.TraceId && l.Category == "Microsoft.EntityFrameworkCore.Database.Command").ToList();
        commands.ShouldNotBeEmpty();
        commands.ShouldAllBe(l => Equals(l.Scope(UserLogScope.UserIdKey), app.Demo.User(DemoDirectory.Maya).Id));
        commands.ShouldContain(l => Equals(l.Scope(MessageLogScope.IncidentIdKey), incidentId));
    }

    /// <summary>The server span of the latest request to this path; it ends just after the response, so it is waited for.</summary>
    private async Task<Activity> ServerSpanAsync(string path)
    {
        var tracer = app.Services.GetRequiredService<TracerProvider>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            tracer.ForceFlush();
            var server = app.Spans.Snapshot().LastOrDefault(s => s.Kind == ActivityKind.Server && Equals(s.GetTagItem("url.path"), path));
            if (server is not null) return server;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No server span for {path}");
            await Task.Delay(20, Ct);
        }
    }

    [Fact]
    public async Task A_crowd_of_customers_refetching_an_incident_page_after_a_change_builds_its_shared_view_once()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Crowd on one incident", "Sev2", "Many watch this.");
        created.Dispose();
        List<HttpClient> crowd = [await app.PageClientForAsync(DemoDirectory.Olivia), await app.PageClientForAsync(DemoDirectory.Noah)];
        async Task RefetchTogetherAsync() => await Task.WhenAll(Enumerable.Range(0, 40).Select(async n =>
        {
            using var response = await crowd[n % 2].GetAsync($"/incidents/{incident.Id}?part=live", Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }));
        try
        {
            var before = IncidentViewBuilds();
            await RefetchTogetherAsync();
            IncidentViewBuilds().ShouldBe(before + 1, "forty refetches, one build");

            await maya.AddNoteAsync(incident.Id, "Still on it.", "Customer");
            await RefetchTogetherAsync();
            await RefetchTogetherAsync();
            IncidentViewBuilds().ShouldBe(before + 2, "a change, eighty refetches, one more build");
        }
        finally
        {
            crowd.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Each_pass_re_deciding_the_live_connections_is_timed()
    {
        var before = RevalidationPasses();

        await app.Services.GetRequiredService<Portal.Features.Live.LiveConnections>().RevalidateAsync(Ct);
        await app.Services.GetRequiredService<Portal.Features.Live.LiveConnections>().RevalidateAsync(Ct);

        // The app's own timer may add a pass meanwhile (every 30 s): at least the two asked for.
        RevalidationPasses().ShouldBeGreaterThanOrEqualTo(before + 2);
    }

    private long RevalidationPasses()
    {
        app.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var metric = app.Metrics.Snapshot().LastOrDefault(m => m.Name == "portal.live.revalidation.duration");
        if (metric is null) return 0;
        metric.Unit.ShouldBe("s");
        long count = 0;
        foreach (ref readonly var point in metric.GetMetricPoints()) count += point.GetHistogramCount();
        return count;
    }

    private long IncidentViewBuilds()
    {
        app.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var metric = app.Metrics.Snapshot().LastOrDefault(m => m.Name == "portal.incident_view_cache.builds");
        if (metric is null) return 0;
        long sum = 0;
        foreach (ref readonly var point in metric.GetMetricPoints()) sum += point.GetSumLong();
        return sum;
    }

    private long CommandCount(string messageType, string outcome)
    {
        app.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var metric = app.Metrics.Snapshot().LastOrDefault(m => m.Name == "portal.commands");
        if (metric is null) return 0;
        long sum = 0;
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            string? type = null, result = null;
            foreach (var tag in point.Tags)
            {
                if (tag.Key == PortalMetrics.MessageTypeTag) type = tag.Value as string;
                if (tag.Key == PortalMetrics.OutcomeTag) result = tag.Value as string;
            }
            if (type == messageType && result == outcome) sum += point.GetSumLong();
        }
        return sum;
    }
}

/// <summary>Both exporters switched on by their environment variables, pointing at a closed loopback port (nothing leaves the machine).</summary>
public sealed class ExportingApp() : PortalApp(DbProvider.Sqlite, null)
{
    public LockedCollection<Activity> Spans { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Spans));
            // The distro samples by rate (a few traces a second) unless told otherwise: keep every trace, so the request is seen.
            services.Configure<Azure.Monitor.OpenTelemetry.AspNetCore.AzureMonitorOptions>(o =>
            {
                o.TracesPerSecond = null;
                o.SamplingRatio = 1.0F;
            });
        });
        builder.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9");
        builder.UseSetting("APPLICATIONINSIGHTS_CONNECTION_STRING",
            "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/;LiveEndpoint=http://127.0.0.1:9/");
    }
}

[Collection(ProcessWideTelemetry.Name)]
public sealed class ExporterTests(ExportingApp app) : IClassFixture<ExportingApp>
{
    [Fact]
    public async Task OTLP_and_Azure_Monitor_together_start_and_serve_requests()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using var response = await maya.GetAsync("/api/v1/incidents", TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);

        // The distro adds its own ASP.NET Core instrumentation next to Portal's: still one server span per request.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<Activity> servers;
        do
        {
            app.Services.GetRequiredService<TracerProvider>().ForceFlush(1000);
            servers = [.. app.Spans.Snapshot().Where(s => s.Kind == ActivityKind.Server && Equals(s.GetTagItem("url.path"), "/api/v1/incidents"))];
            if (servers.Count > 0 || DateTime.UtcNow > deadline) break;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        while (true);
        servers.Count.ShouldBe(1);
        app.Spans.Snapshot().Count(s => s.TraceId == servers[0].TraceId && s.Source.Name == PortalTelemetry.ActivitySourceName).ShouldBe(1);

        // The distro was wired (it reads the connection string from the configuration).
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Azure.Monitor.OpenTelemetry.AspNetCore.AzureMonitorOptions>>().Value;
        options.ConnectionString.ShouldStartWith("InstrumentationKey=00000000");
    }
}
