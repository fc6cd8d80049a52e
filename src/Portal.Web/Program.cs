using System.Text.Json.Serialization;
using FluentValidation;
using Portal.Features.Advisories;
using Portal.Features.Contracts;
using Portal.Features.CustomerStatus;
using Portal.Features.Escalations;
using Portal.Features.Incidents;
using Portal.Features.Live;
using Portal.Features.Notifications;
using Portal.Features.Organisations;
using Portal.Features.People;
using Portal.Features.Remediation;
using Portal.Features.Reports;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Data;
using Portal.Infrastructure.Http;
using Portal.Infrastructure.Jobs;
using Portal.Infrastructure.OpenApi;
using Portal.Infrastructure.RateLimiting;
using Portal.Infrastructure.Telemetry;
using Portal.Infrastructure.Time;
using Portal.Pipeline;
using Portal.Pipeline.Commit;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

// Telemetry (traces, metrics, logs; always on), data, identity and the request pipeline
builder.AddPortalTelemetry();
builder.AddPortalDatabase();
builder.AddPortalAuthentication();
builder.AddPortalRateLimiting();
builder.Services.AddSingleton<TimeProvider>(StoredPrecisionClock.SystemClock);
builder.Services.AddMemoryCache();
builder.AddPortalDataProtection();
builder.AddPortalHealthChecks();
builder.AddPortalJobs();
// Transient: handlers and behaviours keep no state between messages and take the request's scoped services (CurrentUser,
// the DbContext) as dependencies. Scoped, each of them (five per message) went into the request scope's dictionary, whose
// growth was the largest single allocation of a cached status read.
builder.Services.AddMediator((Mediator.MediatorOptions o) =>
{
    o.ServiceLifetime = ServiceLifetime.Transient;
    o.PipelineBehaviors = [typeof(TelemetryBehavior<,>), typeof(ValidationBehavior<,>), typeof(TransactionBehavior<,>), typeof(AccessBehavior<,>), typeof(IdempotencyBehavior<,>)];
});
builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped<IdempotencyKeyHeader>();
// Singletons: a validator holds only its rules (none takes a dependency), built once instead of on every request.
builder.Services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton, includeInternalTypes: true);
builder.Services.AddSingleton<CommitPublisher>();
builder.Services.AddSingleton<RevocationBarrier>();
builder.Services.AddScoped<AuditLog>();

// HTTP: problem details for every error (a status page in the layout for browsers), enums as names (numbers refused), unknown fields refused, OpenAPI
builder.Services.AddPortalErrorPages();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.Converters.Add(new JsonEnumNames());
    o.SerializerOptions.Converters.Add(new JsonInstants()); // an instant names its offset
    // A misspelt field ("summary" for "customerSummary") is refused, not read as absent: absent often means "clear it".
    o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
});
builder.AddPortalOpenApi();
builder.AddPortalSecurityHeaders();
builder.AddPortalRequestLimits();
builder.Services.AddRazorPages(o => o.RootDirectory = "/Features");

// Features
builder.AddIncidents();
builder.AddCustomerStatus();
builder.AddPortalLive();
builder.AddRemediation();
builder.AddDeviceImports();
builder.AddAdvisories();
builder.AddNotifications();
builder.AddEscalations();
builder.AddPeople();

var app = builder.Build();

app.UsePortalSecurityHeaders();
app.UsePortalErrorPages();
app.UsePortalRequestLimits();
app.MapStaticAssets();
app.UseAuthentication();
app.UseMiddleware<PortalUserMiddleware>();
app.UsePortalRateLimiting();
app.UseAuthorization();
app.UseOutputCache();

app.MapPortalHealth();
app.MapOpenApi();
// The reference's inline script carries the response's CSP nonce; its fonts are the system's, not a CDN's (the policy allows no CDN).
app.MapScalarApiReference(SecurityHeaders.ScalarPath, (options, http) => options.DisableDefaultFonts().WithNonce(SecurityHeaders.Nonce(http)));
app.MapIncidentsApi();
app.MapCustomerStatusApi();
app.MapOrganisationsApi();
app.MapRemediationApi();
app.MapPortalLive();
app.MapDeviceImportsApi();
app.MapAdvisoriesApi();
app.MapAdvisoriesMspApi();
app.MapProviderAdvisoriesApi();
app.MapSubscriptionsApi();
app.MapContractsApi();
app.MapNotificationsApi();
app.MapEscalationsApi();
app.MapPeopleApi();
app.MapReportsApi();
app.MapPortalJobsDashboard();
if (app.Environment.IsDevelopment()) app.MapDevelopmentSignIn();
app.MapRazorPages().WithStaticAssets();

app.StartPortalTelemetry();
await app.PrepareDatabaseAsync();
await app.RunAsync();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
