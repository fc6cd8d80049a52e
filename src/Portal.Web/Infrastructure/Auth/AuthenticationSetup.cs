using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Production: Entra ID through Microsoft.Identity.Web — OpenID Connect + cookie for the pages, JWT bearer
/// for the API and the hub, multi-tenant. Development: the same bearer pipeline with a local signing key,
/// and a cookie sign-in page that lists the demo users.
/// </summary>
public static class AuthenticationSetup
{
    public static void AddPortalAuthentication(this WebApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        var azureAd = builder.Configuration.GetSection("AzureAd");
        if (!development && (!azureAd.Exists() || string.IsNullOrWhiteSpace(azureAd["ClientId"])))
        {
            throw new InvalidOperationException(
                "Portal needs an 'AzureAd' configuration section outside Development (Instance, TenantId = organizations, ClientId " +
                "of the Portal app registration). Set it in appsettings.Production.json or as AzureAd__ClientId etc. " +
                "For a local try-out run with ASPNETCORE_ENVIRONMENT=Development, which uses the demo sign-in.");
        }

        // Bearer is the default scheme for everything and hands a page request (no token, not /api) to the cookie (OIDC in
        // production) — for authenticate, challenge and forbid alike. A policy scheme in front would do the same choosing,
        // but at the price of one more handler built and initialised on every API request, the hottest path Portal has.
        var pageScheme = development ? CookieAuthenticationDefaults.AuthenticationScheme : OpenIdConnectDefaults.AuthenticationScheme;
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddMicrosoftIdentityWebApi(builder.Configuration, "AzureAd", JwtBearerDefaults.AuthenticationScheme);
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .PostConfigure(o => o.ForwardDefaultSelector = context => UsesBearer(context.Request) ? null : pageScheme);

        if (development)
        {
            builder.Services.AddSingleton<DevelopmentTokens>();
            builder.Services.AddAuthentication().AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.LoginPath = "/signin";
                o.AccessDeniedPath = "/forbidden";
                o.Cookie.Name = "portal.dev";
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.HttpOnly = true;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // the demo runs on plain http too
                o.SlidingExpiration = true;
            });
            // Keep Identity.Web's bearer validation; swap only the signing key and the issuer.
            builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
                .PostConfigure<DevelopmentTokens>((o, tokens) =>
                {
                    var configuration = new OpenIdConnectConfiguration { Issuer = DevelopmentTokens.Issuer };
                    configuration.SigningKeys.Add(tokens.Key);
                    o.Configuration = configuration;
                    o.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
                    o.TokenValidationParameters.ValidIssuer = DevelopmentTokens.Issuer;
                    o.TokenValidationParameters.IssuerValidator = null;
                    o.TokenValidationParameters.IssuerSigningKey = tokens.Key;
                    o.TokenValidationParameters.ValidAudiences = [tokens.Audience, $"api://{tokens.Audience}"];
                });
        }
        else
        {
            builder.Services.AddAuthentication()
                .AddMicrosoftIdentityWebApp(builder.Configuration, "AzureAd", OpenIdConnectDefaults.AuthenticationScheme, CookieAuthenticationDefaults.AuthenticationScheme);
            builder.Services.Configure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.AccessDeniedPath = "/forbidden";
                // Lax, not Strict: a link from a notification email or from Entra's sign-in must arrive signed in.
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.HttpOnly = true;
                o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            });
        }

        // Every page form carries a token (sign-out included). Strict: the token's cookie never travels on a cross-site request.
        // Outside Development its name is __Host- (Secure, Path=/, no Domain), which a browser keeps over https only: forms
        // fail closed (400) on plain http. Secure as the request is rather than Always, because Always makes the antiforgery
        // system throw (500) on a plain-http request instead of refusing it (App Service's https arrives through
        // ASPNETCORE_FORWARDEDHEADERS_ENABLED, see infra/).
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = development ? "portal.af" : "__Host-portal.af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        // The one-time message a page shows after a form post (TempData) travels in a cookie too.
        builder.Services.Configure<CookieTempDataProviderOptions>(o =>
        {
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        });

        RememberedCookieTickets.Attach(builder.Services);
        builder.Services.AddSingleton<ValidatedTokenCache>();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).PostConfigure(ValidatedTokenCache.Attach);

        builder.Services.AddScoped<CurrentUser>();
        builder.Services.AddSingleton<UserAccessCache>();
        // Access taken away goes at once, on every instance (docs/capabilities.md, "Revocation").
        builder.Services.AddSingleton<AccessRevocation>();
        builder.Services.AddSingleton<Pipeline.Commit.ICommitReaction, RevokeAccessAfterCommit>();
        // The backplane's Redis; with Azure SignalR Service (no backplane) a Redis of its own, Revocation:Redis.
        if ((builder.Configuration["Revocation:Redis"] is { Length: > 0 } own ? own : builder.Configuration["SignalR:Redis"]) is { Length: > 0 } redis)
        {
            builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RevocationRelay>(sp, redis));
            builder.Services.AddHostedService(sp => sp.GetRequiredService<RevocationRelay>());
        }
        // No scheme named in the policy: the authentication middleware has already run the default scheme, and a
        // named one would make the authorization middleware authenticate every request a second time.
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, LiveRefreshAuthorization>();
        builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser()
                .AddRequirements(new KnownPortalUserRequirement())
                .Build());
    }

    private static bool UsesBearer(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        || request.Path.StartsWithSegments("/api")
        || (request.Path.StartsWithSegments("/hubs") && request.Query.ContainsKey("access_token"));
}
