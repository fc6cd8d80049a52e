using System.Diagnostics;
using Azure.Monitor.OpenTelemetry.AspNetCore;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Portal.Infrastructure.Telemetry;

/// <summary>
/// Traces, metrics and logs through OpenTelemetry, always on: ASP.NET Core, EF Core, HttpClient, SignalR and
/// Portal's own source and meter. Exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set and to
/// Azure Monitor (Application Insights) when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set; with neither,
/// the data is still produced (and readable in-process, as the tests do) but goes nowhere.
/// </summary>
public static class PortalTelemetry
{
    public const string DefaultServiceName = "portal-web";

    /// <summary>Spans of commands and queries (<see cref="Pipeline.TelemetryBehavior{TMessage,TResponse}"/>).</summary>
    public const string ActivitySourceName = "Portal";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    /// <summary>Hub method invocations (ASP.NET Core 9+).</summary>
    public const string SignalRActivitySource = "Microsoft.AspNetCore.SignalR.Server";

    /// <summary>
    /// Meters beyond those the ASP.NET Core and HttpClient instrumentations add: SignalR connections
    /// (<c>signalr.server.active_connections</c>, <c>signalr.server.connection.duration</c>), EF Core, the runtime.
    /// </summary>
    public static readonly string[] FrameworkMeters = ["Microsoft.AspNetCore.Http.Connections", "Microsoft.EntityFrameworkCore", "System.Runtime"];

    public static WebApplicationBuilder AddPortalTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PortalMetrics>();

        // Scopes (user, tenant, incident) on every console line, whichever formatter the configuration picks.
        builder.Services.Configure<SimpleConsoleFormatterOptions>(o => o.IncludeScopes = true);
        builder.Services.Configure<JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);

        var configuration = builder.Configuration;
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName,
                serviceVersion: typeof(PortalTelemetry).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing => tracing
                .AddSource(ActivitySourceName, SignalRActivitySource)
                // Probes hit the health endpoints every few seconds on every instance: they would drown the traces.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase))
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(PortalMetrics.MeterName)
                .AddMeter(FrameworkMeters)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            .WithLogging(configureBuilder: null, configureOptions: o =>
            {
                o.IncludeScopes = true;
                o.IncludeFormattedMessage = true;
            });

        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) otel.UseOtlpExporter();
        if (!string.IsNullOrWhiteSpace(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"])) otel.UseAzureMonitor();
        return builder;
    }

    /// <summary>
    /// Builds the tracer and meter providers now rather than when the host starts, so that the work done before it
    /// (migrations, seeding) is traced too. It also matters after start-up: EF Core remembers for a second, per context,
    /// that nobody listened to its command events, and the pooled context that prepared the database would carry that
    /// into the first requests (their EF Core spans silently missing).
    /// </summary>
    public static WebApplication StartPortalTelemetry(this WebApplication app)
    {
        app.Services.GetRequiredService<TracerProvider>();
        app.Services.GetRequiredService<MeterProvider>();
        return app;
    }
}
