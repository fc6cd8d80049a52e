using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Portal.Features.Live;
using Portal.Infrastructure.Auth;

namespace Portal.Benchmarks.Fanout;

/// <summary>What the fan-out driver and the bare server agree on.</summary>
public static class FanoutProtocol
{
    /// <summary>The hub method both paths push a customer-visible note with (Portal's IStatusClient.TimelineEntryAdded).</summary>
    public const string Method = nameof(IStatusClient.TimelineEntryAdded);

    /// <summary>
    /// The note text of change <paramref name="id"/>: the same length for every id, so the bare payload (the
    /// captured Portal event with this text) is byte for byte as long as Portal's.
    /// </summary>
    public static string NoteText(int id) => $"Fan-out #{id:D7}: 40 more devices restored at the main site.";

    /// <summary>The change id in a received event's entry text, or -1.</summary>
    public static int ChangeId(JsonElement payload)
    {
        if (!payload.TryGetProperty("entry", out var entry) || !entry.TryGetProperty("text", out var textElement)) return -1;
        var text = textElement.GetString();
        return text is { Length: >= 16 } && text.StartsWith("Fan-out #", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(9, 7), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : -1;
    }
}

/// <summary>The two events Portal sent for one customer-visible note in a tenant (MSP stream, customer stream), as captured by a client.</summary>
public sealed record BarePayload(LiveIncidentEvent Full, LiveIncidentEvent Customer);

/// <summary>The bare server's state: payloads per tenant and how many bare connections are open.</summary>
public sealed class BareState
{
    private int _connections;
    public ConcurrentDictionary<Guid, BarePayload> Payloads { get; } = new();
    public int Connections => Volatile.Read(ref _connections);
    public void Connected() => Interlocked.Increment(ref _connections);
    public void Disconnected() => Interlocked.Decrement(ref _connections);

    /// <summary>
    /// The raw writer of the <c>--bare-writes</c> baseline (null unless Portal runs on SQLite), opened on first use: a host whose
    /// runs never write raw holds no second connection to Portal's database.
    /// </summary>
    public required Lazy<RawNoteWriter?> RawWriter { get; init; }
}

/// <summary>
/// The baseline hub: no authentication, no Portal user, no filter, no per-connection bookkeeping. The client
/// names its groups in the query string (<c>?groups=a,b</c>), which is exactly what Portal must never allow;
/// it listens on loopback for the benchmark only.
/// </summary>
public sealed class BareHub(BareState state) : Hub
{
    public override async Task OnConnectedAsync()
    {
        var groups = Context.GetHttpContext()?.Request.Query["groups"].ToString();
        if (!string.IsNullOrEmpty(groups))
        {
            foreach (var group in groups.Split(',', StringSplitOptions.RemoveEmptyEntries))
                await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
        }
        state.Connected();
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        state.Disconnected();
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>Asks for <see cref="Count"/> distinct tokens of the demo user <see cref="Token"/> belongs to.</summary>
public sealed record TokenRequest(string Token, int Count);

/// <summary>Server memory after a full, compacting collection, and the open connections of both hubs.</summary>
public sealed record MemorySnapshot(long ManagedBytes, long WorkingSetBytes, long PrivateBytes, long GcCommittedBytes, int PortalConnections, int BareConnections);

/// <summary>
/// The server's garbage collections so far (no collection forced), and the methods the JIT compiled so far (tiered compilation
/// recompiles hot methods in the background, on the same two cores): the driver takes one before and after each run.
/// </summary>
public sealed record GcSnapshot(int Gen0, int Gen1, int Gen2, double PauseMs, long AllocatedBytes, long JittedMethods = 0, double JitMs = 0)
{
    public static GcSnapshot Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
        GC.GetTotalPauseDuration().TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: false),
        System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds);

    public string Since(GcSnapshot before) =>
        $"server GCs gen0 {Gen0 - before.Gen0}, gen1 {Gen1 - before.Gen1}, gen2 {Gen2 - before.Gen2}, paused {PauseMs - before.PauseMs:0.0} ms, " +
        $"allocated {(AllocatedBytes - before.AllocatedBytes) / 1048576.0:0.0} MB, jitted {JittedMethods - before.JittedMethods} methods in {JitMs - before.JitMs:0.0} ms";
}

/// <summary>
/// The bare hub and the fan-out control endpoints, in Portal's process but on their own Kestrel listener
/// (127.0.0.1, a free port) and their own small service container:
///   /bench/barehub                       the bare hub (WebSockets; groups from the query string)
///   POST /bench/bare-payload?tenant=ID   stores the two events captured from Portal for a tenant (JSON body: {full, customer})
///   POST /bench/bare-broadcast?tenant=ID&amp;change=N[&amp;incident=ID]
///                                        sends them, with change N's note text, to the tenant's full and
///                                        customer groups, as Portal's BroadcastCommittedChanges does; with an
///                                        incident, first writes the note's rows raw (<see cref="RawNoteWriter"/>)
///   POST /bench/tokens                   {token, count}: count distinct bearer tokens of that token's demo user
///   GET  /bench/marks                    "change timestamp" lines: when each change was ready to broadcast (<see cref="ServerMarks"/>)
///   GET  /bench/phases?last=N           where the last N note requests' time went on the server (<see cref="RequestPhases"/>);
///                                        only when the host runs with BENCH_PHASES=1 (its listener must not weigh on measured runs)
///   GET  /bench/connections              "portal N\nbare N": open connections of both hubs
///   GET  /bench/memory                   <see cref="MemorySnapshot"/> of this process after a full GC
///   GET  /bench/gc                       <see cref="GcSnapshot"/>: collections, pause, allocations and JIT compilations so far (none forced);
///                                        with BENCH_JITLOG=FILE each call also marks <see cref="JitLog"/>
/// Why not a second hub inside Portal's app: Portal registers a global hub filter (PortalUserHubFilter) that
/// resolves a Portal user for every hub and refuses anonymous connections, so a hub in Portal's container
/// would run Portal's logic. Same process, runtime, GC and thread pool; only the listener differs.
/// </summary>
public sealed class BareHubServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareHubServer(WebApplication app) => _app = app;

    public Uri BaseAddress
    {
        get
        {
            var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.TrimEnd('/') + "/");
        }
    }

    public static async Task<BareHubServer> StartAsync(IServiceProvider portalServices, ServerMarks marks)
    {
        var portalConnections = portalServices.GetRequiredService<LiveConnections>();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = Environments.Production });
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // The same protocol settings as Portal's hub (LiveSetup): JSON, enums as strings.
        builder.Services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddSingleton(new BareState { RawWriter = new Lazy<RawNoteWriter?>(() => RawNoteWriter.Open(portalServices)) });
        builder.Services.AddSingleton(marks);
        // A diagnostic listener on every span of Portal's requests, so off unless asked for: it is not part of what is measured.
        var phasesWanted = Environment.GetEnvironmentVariable("BENCH_PHASES") == "1";
        if (phasesWanted) builder.Services.AddSingleton<RequestPhases>();

        var app = builder.Build();
        if (phasesWanted) app.Services.GetRequiredService<RequestPhases>(); // listening from the start
        app.MapHub<BareHub>("/bench/barehub");
        app.MapPost("/bench/bare-payload", async (Guid tenant, HttpRequest request, BareState state, IOptions<JsonHubProtocolOptions> json) =>
        {
            var payload = await JsonSerializer.DeserializeAsync<BarePayload>(request.Body, json.Value.PayloadSerializerOptions, request.HttpContext.RequestAborted);
            if (payload?.Full?.Entry is null || payload.Customer?.Entry is null) return Results.BadRequest("Expected {\"full\": <event>, \"customer\": <event>}.");
            state.Payloads[tenant] = payload;
            // What the bare hub will send, serialised as the hub protocol will: the driver compares it with Portal's bytes.
            return Results.Ok(new
            {
                FullBytes = JsonSerializer.SerializeToUtf8Bytes(payload.Full, json.Value.PayloadSerializerOptions).Length,
                CustomerBytes = JsonSerializer.SerializeToUtf8Bytes(payload.Customer, json.Value.PayloadSerializerOptions).Length,
            });
        });
        app.MapPost("/bench/bare-broadcast", async (Guid tenant, int change, Guid? incident, BareState state, IHubContext<BareHub> hub, ServerMarks marks,
            CancellationToken cancellationToken) =>
        {
            if (!state.Payloads.TryGetValue(tenant, out var payload)) return Results.NotFound();
            var text = FanoutProtocol.NoteText(change);
            // --bare-writes: the note's rows first, written raw and committed; the mark then stands where Portal's does, after the commit.
            if (incident is { } incidentId)
            {
                if (state.RawWriter.Value is not { } writer) return Results.Problem("The raw-write baseline needs Portal on SQLite.", statusCode: StatusCodes.Status501NotImplemented);
                await writer.WriteAsync(incidentId, text, cancellationToken);
            }
            marks.Mark(change);
            var full = payload.Full with { Entry = payload.Full.Entry with { Text = text } };
            var customer = payload.Customer with { Entry = payload.Customer.Entry with { Text = text } };
            await hub.Clients.Group(LiveGroups.TenantFull(tenant)).SendAsync(FanoutProtocol.Method, full, CancellationToken.None);
            await hub.Clients.Group(LiveGroups.TenantCustomer(tenant)).SendAsync(FanoutProtocol.Method, customer, CancellationToken.None);
            return Results.NoContent();
        });
        app.MapPost("/bench/tokens", (TokenRequest request) =>
        {
            // Distinct tokens of one demo user, signed by Portal's development token service like POST /dev/token,
            // each expiring one second after the previous so that none is equal to another (or to /dev/token's).
            var tokens = portalServices.GetRequiredService<DevelopmentTokens>();
            var jwt = new JsonWebToken(request.Token);
            var (tid, oid, name) = (Guid.Parse(jwt.GetClaim("tid").Value), Guid.Parse(jwt.GetClaim("oid").Value), jwt.GetClaim("name").Value);
            return Enumerable.Range(1, request.Count)
                .Select(i => tokens.CreateToken(tid, oid, name, TimeSpan.FromHours(8) + TimeSpan.FromSeconds(i)))
                .ToArray();
        });
        app.MapGet("/bench/marks", (ServerMarks marks) => marks.Snapshot());
        app.MapGet("/bench/phases", (IServiceProvider services, int? last) =>
            services.GetService<RequestPhases>()?.Report(last ?? 100) ?? "off: start the fan-out host with BENCH_PHASES=1\n");
        app.MapGet("/bench/connections", (BareState state) => $"portal {portalConnections.Count}\nbare {state.Connections}\n");
        var jitLog = Environment.GetEnvironmentVariable("BENCH_JITLOG") is { Length: > 0 } jitPath ? new JitLog(jitPath) : null;
        app.MapGet("/bench/gc", () => { jitLog?.Mark("gc snapshot"); return GcSnapshot.Now(); });
        app.MapGet("/bench/memory", (BareState state) =>
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            var managed = GC.GetTotalMemory(forceFullCollection: true);
            using var process = Process.GetCurrentProcess();
            return new MemorySnapshot(managed, process.WorkingSet64, process.PrivateMemorySize64, GC.GetGCMemoryInfo().TotalCommittedBytes,
                portalConnections.Count, state.Connections);
        });
        await app.StartAsync();
        return new BareHubServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        if (_app.Services.GetRequiredService<BareState>().RawWriter is { IsValueCreated: true, Value: { } writer }) writer.Dispose();
        await _app.DisposeAsync();
    }
}
