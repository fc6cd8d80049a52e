using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portal.Features.CustomerStatus;
using Portal.Infrastructure.Auth;

namespace Portal.Benchmarks.Micro;

/// <summary>
/// Where the time of one customer status request goes, inside Portal and without HTTP, so the wrk ratio can
/// be read: the cache lookup alone (the floor), what the cache saves (serialising the view), the whole
/// in-process read path on a cache hit (request scope, Portal user lookup, Mediator pipeline with the
/// telemetry, validation, access and transaction behaviours, the handler's cache hit), and the per-request cost of
/// each authentication scheme (bearer token signature check for the JSON path, cookie decryption for the page).
/// The clock is frozen so the 15 s status cache and the 30 s user access cache never expire mid-run: this
/// measures the steady state; the cost of a rebuild is what the wrk harness counts as database queries.
/// </summary>
[MemoryDiagnoser]
public class StatusReadPathBenchmarks
{
    private PortalHost _host = null!;
    private IServiceScopeFactory _scopes = null!;
    private CustomerStatusCache _cache = null!;
    private UserAccessCache _userAccess = null!;
    private PortalUserMiddleware _userMiddleware = null!;
    private JsonSerializerOptions _json = null!;
    private CustomerStatusView _view = null!;
    private Guid _tenantId;
    private ClaimsPrincipal _principal = null!;
    private string _token = null!;
    private TokenValidationParameters _tokenParameters = null!;
    private readonly JsonWebTokenHandler _tokenHandler = new();
    private ISecureDataFormat<AuthenticationTicket> _cookieFormat = null!;
    private string _cookie = null!;
    private int _length;

    [GlobalSetup]
    public async Task Setup()
    {
        var frozen = new FrozenClock(DateTimeOffset.UtcNow);
        _host = PortalHost.StartInMemory(services => services.AddSingleton<TimeProvider>(frozen));
        var services = _host.Services;
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _cache = services.GetRequiredService<CustomerStatusCache>();
        _userAccess = services.GetRequiredService<UserAccessCache>();
        _json = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        _userMiddleware = new PortalUserMiddleware(SendGetCustomerStatus, services.GetRequiredService<ILogger<PortalUserMiddleware>>());

        using var client = _host.CreateClient();
        using var tokenResponse = await client.PostAsJsonAsync("/dev/token", new { email = HostMode.CustomerEmail });
        tokenResponse.EnsureSuccessStatusCode();
        using (var body = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()))
        {
            _token = body.RootElement.GetProperty("accessToken").GetString()!;
        }
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using (var me = JsonDocument.Parse(await client.GetStringAsync("/api/v1/me")))
        {
            _tenantId = me.RootElement.GetProperty("tenants").EnumerateArray()
                .First(t => t.GetProperty("name").GetString() == HostMode.TenantName).GetProperty("tenantId").GetGuid();
        }
        // Fills both caches, as the first request of an outage would.
        (await client.GetAsync($"/api/v1/tenants/{_tenantId}/status")).EnsureSuccessStatusCode();
        if (!_cache.TryGet(_tenantId, out var snapshot)) throw new InvalidOperationException("The status was not cached after a GET.");
        _view = snapshot.View;

        var jwt = new JsonWebToken(_token);
        _principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("tid", jwt.GetClaim("tid").Value), new Claim("oid", jwt.GetClaim("oid").Value)], JwtBearerDefaults.AuthenticationScheme));

        _tokenParameters = services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters;
        var validation = await _tokenHandler.ValidateTokenAsync(_token, _tokenParameters);
        if (!validation.IsValid) throw new InvalidOperationException($"The bench token does not validate: {validation.Exception?.Message}");

        _cookieFormat = services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme).TicketDataFormat;
        _cookie = _cookieFormat.Protect(new AuthenticationTicket(_principal, CookieAuthenticationDefaults.AuthenticationScheme));

        await MediatorCacheHit();
        if (_length != snapshot.Json.Length) throw new InvalidOperationException("The in-process read path did not return the cached status.");
    }

    [GlobalCleanup]
    public void Cleanup() => _host.Dispose();

    [Benchmark(Baseline = true, Description = "cache lookup (the bytes bare-json serves)")]
    public int CachedBytes() => _cache.TryGet(_tenantId, out var snapshot) ? snapshot.Json.Length : 0;

    [Benchmark(Description = "serialise the view (what the cache saves)")]
    public int SerializeView() => JsonSerializer.SerializeToUtf8Bytes(_view, _json).Length;

    [Benchmark(Description = "scope + user lookup + Mediator pipeline, cache hit")]
    public async Task<int> MediatorCacheHit()
    {
        await using var scope = _scopes.CreateAsyncScope();
        var requestServices = scope.ServiceProvider;
        var context = new DefaultHttpContext { User = _principal, RequestServices = requestServices };
        await _userMiddleware.InvokeAsync(context, _userAccess);
        return _length;
    }

    [Benchmark(Description = "validate the bearer token (RS256, JSON path)")]
    public async Task<bool> ValidateBearerToken() => (await _tokenHandler.ValidateTokenAsync(_token, _tokenParameters)).IsValid;

    [Benchmark(Description = "unprotect the auth cookie (page path)")]
    public bool UnprotectCookie() => _cookieFormat.Unprotect(_cookie) is not null;

    private async Task SendGetCustomerStatus(HttpContext context)
    {
        var snapshot = await context.RequestServices.GetRequiredService<IMediator>().Send(new GetCustomerStatus(_tenantId), context.RequestAborted);
        _length = snapshot.Json.Length;
    }

    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
