using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Auth;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>The two caches on the hot read path remember only what passed full validation, and never past its expiry.</summary>
public sealed class AuthenticationCachesTests : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions());
    private static readonly ClaimsPrincipal Olivia = new(new ClaimsIdentity([new Claim("oid", Guid.NewGuid().ToString())], "Bearer"));

    [Fact]
    public void A_validated_token_is_remembered_under_its_exact_text_only()
    {
        var tokens = new ValidatedTokenCache(_cache, TimeProvider.System);
        tokens.Remember("header.payload.signature", Olivia, DateTime.UtcNow.AddHours(1));

        tokens.TryGet("header.payload.signature", out var principal).ShouldBeTrue();
        principal.ShouldBeSameAs(Olivia);
        tokens.TryGet("header.payload.signaturX", out _).ShouldBeFalse();
        tokens.TryGet("header.payload", out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("Bearer header.payload.signature", true)]
    [InlineData("bearer   header.payload.signature  ", true)]
    [InlineData("Bearer header.payload.signaturX", false)]
    [InlineData("Bearer header.payload.signature.more", false)]
    [InlineData("Basic header.payload.signature", false)]
    public async Task A_request_bearing_a_remembered_token_is_authenticated_from_memory_and_any_other_is_not(string authorization, bool remembered)
    {
        var tokens = new ValidatedTokenCache(_cache, TimeProvider.System);
        tokens.Remember("header.payload.signature", Olivia, DateTime.UtcNow.AddHours(1));
        var options = new JwtBearerOptions();
        ValidatedTokenCache.Attach(options);
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddSingleton(tokens).BuildServiceProvider() };
        http.Request.Headers.Authorization = authorization;
        var context = new MessageReceivedContext(http, new AuthenticationScheme("Bearer", null, typeof(JwtBearerHandler)), options);

        await options.Events.OnMessageReceived(context);

        if (remembered) context.Principal.ShouldBeSameAs(Olivia);
        else context.Principal.ShouldBeNull();
        (context.Result?.Succeeded ?? false).ShouldBe(remembered);
    }

    [Fact]
    public void An_expired_token_is_never_served_from_memory()
    {
        var tokens = new ValidatedTokenCache(_cache, TimeProvider.System);
        tokens.Remember("expired.token.text", Olivia, DateTime.UtcNow.AddSeconds(-1));
        tokens.TryGet("expired.token.text", out _).ShouldBeFalse();
    }

    [Fact]
    public void A_cookie_is_decrypted_once_and_a_forged_one_every_time()
    {
        var inner = new CountingFormat();
        var tickets = new RememberedCookieTickets(inner, _cache);

        tickets.Unprotect("good-cookie").ShouldNotBeNull();
        tickets.Unprotect("good-cookie").ShouldBeSameAs(tickets.Unprotect("good-cookie"));
        inner.Unprotected.ShouldBe(1);

        tickets.Unprotect("forged-cookie").ShouldBeNull();
        tickets.Unprotect("forged-cookie").ShouldBeNull();
        inner.Unprotected.ShouldBe(3); // a refusal is not remembered: every forged cookie is checked in full
        tickets.Unprotect(null).ShouldBeNull();
    }

    public void Dispose() => _cache.Dispose();

    private sealed class CountingFormat : ISecureDataFormat<AuthenticationTicket>
    {
        public int Unprotected { get; private set; }

        public string Protect(AuthenticationTicket data) => "protected";

        public string Protect(AuthenticationTicket data, string? purpose) => "protected";

        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            Unprotected++;
            return protectedText == "good-cookie" ? new AuthenticationTicket(Olivia, "Cookies") : null;
        }
    }
}
