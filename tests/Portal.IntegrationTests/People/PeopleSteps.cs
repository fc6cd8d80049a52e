using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.IntegrationTests.People;

// The wire contract of organisations and people as a client sees it (independent of the product's records on purpose).
public sealed record OrgDto(Guid Id, string Name, string Kind, Guid? EntraTenantId, string? IncidentPrefix, bool IsActive);
public sealed record InvitationDto(Guid Id, string Email, string Role, string State, DateTimeOffset InvitedAt, DateTimeOffset ExpiresAt);
public sealed record MemberDto(Guid MembershipId, Guid UserId, string Name, string Email, string Role);
public sealed record PeopleDto(Guid OrganisationId, string OrganisationName, string Kind, bool IsActive, string AdminRole, string[] Roles, MemberDto[] Members, InvitationDto[] Invitations);
public sealed record AuditDto(Guid Id, DateTimeOffset At, Guid? ActorUserId, string Actor, string Action, string Detail);
public sealed record AuditPageDto(AuditDto[] Items, string? Next);
public sealed record MeDto(Guid UserId, string DisplayName, string Email, MeMembershipDto[] Memberships);
public sealed record MeMembershipDto(Guid OrganisationId, string OrganisationName, string Kind, string Role);

/// <summary>Steps the people tests share: a fresh organisation per test (so tests never see each other's people), people joining it.</summary>
public static partial class PeopleSteps
{
    public static string UniquePrefix() => new([.. Guid.NewGuid().ToByteArray().Take(6).Select(b => (char)('A' + b % 26))]);

    public static string UniqueEmail(string who = "person") => $"{who}.{Guid.NewGuid().ToString("N")[..12]}@example.com";

    public static async Task<OrgDto> CreateOrganisationAsync(this HttpClient platformAdmin, string kind, Guid? entraTenantId = null, string? prefix = null, string? name = null)
    {
        using var response = await platformAdmin.PostJsonAsync("/api/v1/organisations", new
        {
            name = name ?? $"{kind} {Guid.NewGuid():N}"[..20],
            kind,
            entraTenantId = entraTenantId ?? Guid.NewGuid(),
            incidentPrefix = kind == "Customer" ? prefix ?? UniquePrefix() : prefix,
        });
        return await response.ReadAsync<OrgDto>(HttpStatusCode.Created);
    }

    public static async Task<InvitationDto> InviteAsync(this HttpClient admin, Guid organisationId, string email, string role)
    {
        using var response = await admin.PostJsonAsync($"/api/v1/organisations/{organisationId}/invitations", new { email, role });
        return await response.ReadAsync<InvitationDto>(HttpStatusCode.Created);
    }

    public static async Task<PeopleDto> PeopleAsync(this HttpClient admin, Guid organisationId)
    {
        using var response = await admin.GetAsync($"/api/v1/organisations/{organisationId}/people");
        return await response.ReadAsync<PeopleDto>();
    }

    public static async Task<AuditPageDto> AuditAsync(this HttpClient admin, Guid organisationId, string? cursor = null, int limit = 50)
    {
        using var response = await admin.GetAsync($"/api/v1/organisations/{organisationId}/audit?limit={limit}{(cursor is null ? "" : "&cursor=" + cursor)}");
        return await response.ReadAsync<AuditPageDto>();
    }

    /// <summary>A client of a person signing in (a token as Entra would issue it); the first call binds their invitation, if any.</summary>
    public static HttpClient SignInAs(this PortalApp app, Guid entraTenantId, string email, string name = "New Person", Guid? oid = null) =>
        app.ClientWithToken(app.MintToken(entraTenantId, oid ?? Guid.NewGuid(), name, email: email));

    /// <summary>Invites a person into the organisation and signs them in from its Entra tenant: a member with the role.</summary>
    public static async Task<(HttpClient Client, string Email)> JoinAsync(this PortalApp app, HttpClient inviter, OrgDto organisation, string role, string name = "Member")
    {
        var email = UniqueEmail(name.Split(' ')[0].ToLowerInvariant());
        await inviter.InviteAsync(organisation.Id, email, role);
        var client = app.SignInAs(organisation.EntraTenantId!.Value, email, name);
        using var me = await client.GetAsync("/api/v1/me");
        (await me.ReadAsync<MeDto>()).Memberships.ShouldContain(m => m.OrganisationId == organisation.Id && m.Role == role);
        return (client, email);
    }

    /// <summary>A browser session (cookie) for a demo user through the development sign-in page.</summary>
    public static async Task<HttpClient> BrowserAsync(this PortalApp app, string demoEmail)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/signin");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userId"] = app.Demo.User(demoEmail).Id.ToString(),
            ["__RequestVerificationToken"] = AntiforgeryToken().Match(page).Groups[1].Value,
        });
        using var response = await client.PostAsync("/signin", form);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return client;
    }

    /// <summary>A browser session of someone new, through the development sign-in page's "someone new" form.</summary>
    public static async Task<HttpClient> BrowserAsNewPersonAsync(this PortalApp app, Guid entraTenantId, string email, string name)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/signin");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["NewPerson.DisplayName"] = name,
            ["NewPerson.Email"] = email,
            ["NewPerson.EntraTenantId"] = entraTenantId.ToString(),
            ["__RequestVerificationToken"] = AntiforgeryToken().Match(page).Groups[1].Value,
        });
        using var response = await client.PostAsync("/signin?handler=New", form);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return client;
    }

    public static string AntiforgeryTokenOf(string html) => AntiforgeryToken().Match(html).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
