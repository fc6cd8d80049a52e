using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Benchmarks.Revocation;

public sealed record RevocationOptions(string Admin, string Redis, int Removals, int NotesPerSecond, string? OutFile)
{
    public const string Usage = "revocation --admin CONNECTION --redis HOST:PORT [--removals N] [--notes-per-second N] [--out FILE]";

    public static RevocationOptions Parse(string[] args)
    {
        var o = new RevocationOptions("", "", 100, 10, null);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            o = args[i] switch
            {
                "--admin" => o with { Admin = Next() },
                "--redis" => o with { Redis = Next() },
                "--removals" => o with { Removals = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--notes-per-second" => o with { NotesPerSecond = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--out" => o with { OutFile = Path.GetFullPath(Next()) },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: {Usage}"),
            };
        }
        if (o.Admin.Length == 0 || o.Redis.Length == 0) throw new ArgumentException($"--admin and --redis are required. Usage: {Usage}");
        if (o.Removals < 1 || o.NotesPerSecond < 1) throw new ArgumentException("--removals and --notes-per-second must be at least 1.");
        return o;
    }
}

/// <summary>
/// Issue 13's figure (docs/benchmarks.md, scenario 7): two Portal instances in this process on Kestrel, one PostgreSQL database, one
/// Redis (backplane and revocations). N customer viewers of one tenant, each with a socket and API calls on instance B; an MSP
/// engineer posts customer-visible notes through instance A all along (every viewer's socket hears them). One at a time, the
/// tenant's admin removes a viewer through instance A. Per removal, from the removal's commit (its audit entry's time, taken by
/// the handler just before it saves: the lag is if anything overstated by the save): (a) to the last event the removed viewer's
/// socket received, and (b) to the first refused (403) answer to its API calls, which poll instance B back to back. Also counted:
/// events whose timeline entry is newer than the removal's commit (must be 0). Bar: p99 ≤ 1 s for both.
/// </summary>
public static class RevocationScenario
{
    private static readonly TimeSpan Observe = TimeSpan.FromSeconds(1.5);

    private sealed class Viewer(Guid membershipId, string token, string email)
    {
        public Guid MembershipId { get; } = membershipId;
        public string Token { get; } = token;
        public string Email { get; } = email;
        public HubConnection? Socket { get; set; }
        public ConcurrentQueue<(DateTimeOffset ReceivedAt, DateTimeOffset EntryAt)> Received { get; } = new();
    }

    public static async Task<int> RunAsync(string[] args)
    {
        RevocationOptions options;
        try { options = RevocationOptions.Parse(args); }
        catch (Exception e) when (e is ArgumentException or FormatException) { await Console.Error.WriteLineAsync(e.Message); return 64; }

        var database = await CreateDatabaseAsync(options.Admin);
        Environment.SetEnvironmentVariable("SignalR__Redis", options.Redis);
        using var a = PortalHost.StartOnKestrel(0, postgreSql: database);
        var tokens = a.Services.GetRequiredService<DevelopmentTokens>();
        using var b = PortalHost.StartOnKestrel(0, s => s.AddSingleton(tokens), postgreSql: database);
        Console.WriteLine($"instances: A {a.BaseAddress}, B {b.BaseAddress}; PostgreSQL + Redis {options.Redis}");

        // The viewers, one commit (itself an access change: nobody is connected yet).
        var (tenantId, tid, olivia, maya) = await QueryAsync(a, async db =>
        {
            var northwind = await db.Organisations.SingleAsync(o => o.Name == "Northwind Airways");
            var admin = await db.Users.SingleAsync(u => u.Email == "olivia@northwindairways.example");
            var engineer = await db.Users.SingleAsync(u => u.Email == "maya@harborit.example");
            return (northwind.Id, northwind.EntraTenantId!.Value, admin, engineer);
        });
        var viewers = new List<Viewer>();
        await QueryAsync(a, async db =>
        {
            var northwind = await db.Organisations.SingleAsync(o => o.Id == tenantId);
            for (var i = 0; i < options.Removals; i++)
            {
                var user = new User(Guid.NewGuid(), $"Bench Viewer {i}", $"viewer{i}@northwindairways.example", tid, Guid.NewGuid());
                var membership = user.Join(northwind, Role.CustomerViewer);
                db.Users.Add(user);
                viewers.Add(new Viewer(membership.Id, tokens.CreateToken(user, TimeSpan.FromHours(2)), user.Email));
            }
            return await db.SaveChangesAsync();
        });

        using var onA = new HttpClient { BaseAddress = a.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var onB = new HttpClient { BaseAddress = b.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var adminToken = tokens.CreateToken(olivia, TimeSpan.FromHours(2));
        var engineerToken = tokens.CreateToken(maya, TimeSpan.FromHours(2));
        foreach (var viewer in viewers)
        {
            var socket = new HubConnectionBuilder()
                .WithUrl(new Uri(b.BaseAddress, "hubs/status"), HttpTransportType.WebSockets, o => o.AccessTokenProvider = () => Task.FromResult<string?>(viewer.Token))
                .Build();
            socket.On<JsonElement>("TimelineEntryAdded", e =>
                viewer.Received.Enqueue((DateTimeOffset.UtcNow, e.GetProperty("entry").GetProperty("at").GetDateTimeOffset())));
            await socket.StartAsync();
            viewer.Socket = socket;
            using var me = Request(HttpMethod.Get, "/api/v1/me", viewer.Token);
            (await onB.SendAsync(me)).EnsureSuccessStatusCode(); // access cached on B
        }
        Console.WriteLine($"{viewers.Count} viewers connected to B");

        // An incident to write notes on, and the notes, through A, all along.
        using var create = Request(HttpMethod.Post, $"/api/v1/tenants/{tenantId}/incidents", engineerToken, new { title = "Revocation benchmark", severity = "Sev3" });
        var created = await onA.SendAsync(create);
        created.EnsureSuccessStatusCode();
        var incidentId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var stop = new CancellationTokenSource();
        var notes = 0;
        var writer = Task.Run(async () =>
        {
            var period = TimeSpan.FromSeconds(1.0 / options.NotesPerSecond);
            while (!stop.IsCancellationRequested)
            {
                using var note = Request(HttpMethod.Post, $"/api/v1/incidents/{incidentId}/notes", engineerToken, new { text = $"Update {notes}", visibility = "Customer" });
                (await onA.SendAsync(note)).EnsureSuccessStatusCode();
                notes++;
                await Task.Delay(period);
            }
        });
        await Task.Delay(1000); // every socket hears the notes before the first removal

        var lastEventLag = new List<double>();
        var refusedLag = new List<double>();
        var lateEvents = 0;
        var deafBefore = viewers.Count(v => v.Received.IsEmpty);
        var removalTimes = new List<double>();
        foreach (var viewer in viewers)
        {
            using var pollStop = new CancellationTokenSource();
            var poller = Task.Run(async () =>
            {
                while (!pollStop.IsCancellationRequested)
                {
                    using var me = Request(HttpMethod.Get, "/api/v1/me", viewer.Token);
                    using var answer = await onB.SendAsync(me);
                    if (answer.StatusCode == HttpStatusCode.Forbidden) return DateTimeOffset.UtcNow;
                }
                return (DateTimeOffset?)null;
            });
            var started = Stopwatch.GetTimestamp();
            using var delete = Request(HttpMethod.Delete, $"/api/v1/organisations/{tenantId}/members/{viewer.MembershipId}", adminToken);
            (await onA.SendAsync(delete)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
            removalTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await Task.Delay(Observe);
            pollStop.CancelAfter(TimeSpan.FromSeconds(5));
            var refusedAt = await poller;
            var committedAt = await QueryAsync(a, db => db.AuditEntries.Where(e => e.OrganisationId == tenantId && e.Action == "member_removed" && e.Detail.Contains(viewer.Email))
                .Select(e => e.At).SingleAsync());
            var afterCommit = viewer.Received.Where(r => r.ReceivedAt > committedAt).ToList();
            lastEventLag.Add(afterCommit.Count == 0 ? 0 : (afterCommit.Max(r => r.ReceivedAt) - committedAt).TotalMilliseconds);
            lateEvents += viewer.Received.Count(r => r.EntryAt > committedAt);
            refusedLag.Add(refusedAt is { } r ? Math.Max(0, (r - committedAt).TotalMilliseconds) : double.PositiveInfinity);
            await viewer.Socket!.DisposeAsync();
        }
        await stop.CancelAsync();
        await writer;

        lastEventLag.Sort();
        refusedLag.Sort();
        var rows = new StringBuilder();
        var machine = $"{Environment.ProcessorCount} cores";
        string Row(string what, List<double> lags)
        {
            var p99 = Percentile(lags, 0.99);
            var result = deafBefore > 0 ? "INVALID" : p99 <= 1000 && lateEvents == 0 ? "PASS" : "FAIL";
            return $"| {what} | {lags.Count} | {Percentile(lags, 0.50):N0} | {p99:N0} | {(lags.Count > 0 ? lags[^1] : 0):N0} | p99 <= 1,000 ms | **{result}** |";
        }
        rows.Append("revocation\t").AppendLine(Row("commit → last event on the removed member's socket (instance B)", lastEventLag));
        rows.Append("revocation\t").AppendLine(Row("commit → first refused API call (instance B)", refusedLag));
        rows.Append("note\t").AppendLine($"- {notes:N0} customer-visible notes through A at {options.NotesPerSecond}/s while {viewers.Count} viewers were removed one by one through A; events whose entry is newer than the removal's commit, received by the removed socket: **{lateEvents}** (must be 0); viewers that heard nothing before their removal: {deafBefore} (must be 0); the DELETE's own time (its commit path waits for B's acknowledgement): p50 {Median(removalTimes):N0} ms, max {removalTimes.Max():N0} ms; {machine}");
        Console.Write(rows.ToString().Replace("revocation\t", "").Replace("note\t", ""));
        if (options.OutFile is { } outFile) await File.AppendAllTextAsync(outFile, rows.ToString());
        return deafBefore > 0 ? 3 : 0;
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    private static void ShouldBe(this HttpStatusCode actual, HttpStatusCode expected)
    {
        if (actual != expected) throw new InvalidOperationException($"Expected {expected}, got {actual}.");
    }

    private static async Task<T> QueryAsync<T>(PortalHost host, Func<PortalDbContext, Task<T>> query)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        return await query(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }

    private static async Task<string> CreateDatabaseAsync(string admin)
    {
        var name = $"portal_rev_{Guid.NewGuid():N}"[..30];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length == 0 ? 0 : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
