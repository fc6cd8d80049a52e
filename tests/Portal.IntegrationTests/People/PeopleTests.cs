using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.People;

/// <summary>Invitations, binding at first sign-in, roles, the last admin and the audit log, through the API (SQLite).</summary>
public sealed class PeopleTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpClient> Ada => app.ClientForAsync(DemoDirectory.Ada);

    /// <summary>A fresh MSP with one lead who joined through an invitation.</summary>
    private async Task<(OrgDto Msp, HttpClient Lead, string LeadEmail)> MspWithLeadAsync()
    {
        var ada = await Ada;
        var msp = await ada.CreateOrganisationAsync("Msp");
        var (lead, email) = await app.JoinAsync(ada, msp, "MspLead", "Lena Lead");
        return (msp, lead, email);
    }

    [Fact]
    public async Task A_lead_invites_an_engineer_who_binds_at_first_sign_in_from_the_MSPs_Entra_tenant()
    {
        var (msp, lead, _) = await MspWithLeadAsync();
        var email = PeopleSteps.UniqueEmail("eric");
        var invitation = await lead.InviteAsync(msp.Id, "  " + email.ToUpperInvariant() + " ", "MspEngineer");
        invitation.Email.ShouldBe(email);
        invitation.State.ShouldBe("Pending");
        invitation.ExpiresAt.ShouldBe(invitation.InvitedAt.AddDays(14), TimeSpan.FromSeconds(1));
        (await lead.PeopleAsync(msp.Id)).Invitations.ShouldContain(i => i.Email == email);

        // Before binding the person is nobody: unknown (tid, oid) without a matching invitation answers 403.
        using (var stranger = app.SignInAs(msp.EntraTenantId!.Value, PeopleSteps.UniqueEmail("nobody")))
        using (var refused = await stranger.GetAsync("/api/v1/me", Ct))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        var oid = Guid.NewGuid();
        using var eric = app.SignInAs(msp.EntraTenantId!.Value, email, "Eric Engineer", oid);
        using var me = await eric.GetAsync("/api/v1/me", Ct);
        var access = await me.ReadAsync<MeDto>();
        access.DisplayName.ShouldBe("Eric Engineer");
        access.Memberships.ShouldHaveSingleItem().ShouldBe(new MeMembershipDto(msp.Id, msp.Name, "Msp", "MspEngineer"));

        var people = await lead.PeopleAsync(msp.Id);
        people.Invitations.ShouldNotContain(i => i.Email == email);
        people.Members.ShouldContain(m => m.Email == email && m.Role == "MspEngineer");
        var user = await app.QueryAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == email));
        (user.EntraTenantId, user.EntraObjectId).ShouldBe((msp.EntraTenantId!.Value, oid));
        var audit = await lead.AuditAsync(msp.Id);
        var accepted = audit.Items.Single(a => a.Action == "invitation_accepted" && a.Detail.Contains(email, StringComparison.Ordinal));
        accepted.ActorUserId.ShouldBe(user.Id);
        accepted.Detail.ShouldContain(msp.EntraTenantId!.Value.ToString());

        // Binding happened once: the same person again is the same user, with one membership.
        using var again = app.SignInAs(msp.EntraTenantId!.Value, email, "Eric Engineer", oid);
        (await (await again.GetAsync("/api/v1/me", Ct)).ReadAsync<MeDto>()).Memberships.Length.ShouldBe(1);
        (await app.QueryAsync(db => db.Users.CountAsync(u => u.Email == email))).ShouldBe(1);
    }

    [Fact]
    public async Task Concurrent_first_requests_of_one_person_bind_once_and_all_get_in()
    {
        var (msp, lead, _) = await MspWithLeadAsync();
        var email = PeopleSteps.UniqueEmail("rush");
        await lead.InviteAsync(msp.Id, email, "MspEngineer");
        var oid = Guid.NewGuid();
        var clients = Enumerable.Range(0, 4).Select(_ => app.SignInAs(msp.EntraTenantId!.Value, email, "Rush", oid)).ToList();
        var responses = await Task.WhenAll(clients.Select(c => c.GetAsync("/api/v1/me", Ct)));
        responses.Select(r => r.StatusCode).ShouldAllBe(s => s == HttpStatusCode.OK);
        (await app.QueryAsync(db => db.Users.CountAsync(u => u.Email == email))).ShouldBe(1);
        (await lead.PeopleAsync(msp.Id)).Members.Count(m => m.Email == email).ShouldBe(1);
        (await lead.AuditAsync(msp.Id)).Items.Count(a => a.Action == "invitation_accepted" && a.Detail.Contains(email, StringComparison.Ordinal)).ShouldBe(1);
        foreach (var r in responses) r.Dispose();
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task A_token_from_another_Entra_tenant_with_the_invited_email_binds_nothing()
    {
        var (msp, lead, _) = await MspWithLeadAsync();
        var email = PeopleSteps.UniqueEmail("mallory");
        await lead.InviteAsync(msp.Id, email, "MspLead");

        // Another Entra tenant Portal knows (a demo customer's) and one it does not: same email, no access, nothing bound.
        foreach (var foreignTenant in new[] { app.Demo.Org(DemoDirectory.Northwind).EntraTenantId!.Value, Guid.NewGuid() })
        {
            using var mallory = app.SignInAs(foreignTenant, email, "Mallory");
            using var response = await mallory.GetAsync("/api/v1/me", Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }
        (await lead.PeopleAsync(msp.Id)).Invitations.ShouldContain(i => i.Email == email && i.State == "Pending");
        (await app.QueryAsync(db => db.Users.AnyAsync(u => u.Email == email))).ShouldBeFalse();
    }

    [Fact]
    public async Task An_expired_or_revoked_invitation_binds_nothing()
    {
        var (msp, lead, _) = await MspWithLeadAsync();
        var expired = await lead.InviteAsync(msp.Id, PeopleSteps.UniqueEmail("late"), "MspEngineer");
        var revoked = await lead.InviteAsync(msp.Id, PeopleSteps.UniqueEmail("revoked"), "MspEngineer");
        await app.QueryAsync(db => db.Invitations.Where(i => i.Id == expired.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1))));
        using (var revoke = await lead.DeleteAsync($"/api/v1/organisations/{msp.Id}/invitations/{revoked.Id}", Ct))
        {
            revoke.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
        using (var twice = await lead.DeleteAsync($"/api/v1/organisations/{msp.Id}/invitations/{revoked.Id}", Ct))
        {
            (await twice.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("invitation_revoked");
        }

        foreach (var invitation in new[] { expired, revoked })
        {
            using var person = app.SignInAs(msp.EntraTenantId!.Value, invitation.Email);
            using var response = await person.GetAsync("/api/v1/me", Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, invitation.Email);
        }
        (await lead.AuditAsync(msp.Id)).Items.Select(a => a.Action).ShouldContain("invitation_revoked");
    }

    [Fact]
    public async Task Duplicate_invitations_and_members_are_409_and_a_role_of_another_kind_is_400()
    {
        var (msp, lead, leadEmail) = await MspWithLeadAsync();
        var email = PeopleSteps.UniqueEmail("dup");
        await lead.InviteAsync(msp.Id, email, "MspEngineer");

        using (var again = await lead.PostJsonAsync($"/api/v1/organisations/{msp.Id}/invitations", new { email = email.ToUpperInvariant(), role = "MspLead" }))
        {
            (await again.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("already_invited");
        }
        using (var member = await lead.PostJsonAsync($"/api/v1/organisations/{msp.Id}/invitations", new { email = leadEmail, role = "MspEngineer" }))
        {
            (await member.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("already_member");
        }
        using (var wrongKind = await lead.PostJsonAsync($"/api/v1/organisations/{msp.Id}/invitations", new { email = PeopleSteps.UniqueEmail("x"), role = "CustomerAdmin" }))
        {
            (await wrongKind.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("role_mismatch");
        }
        using (var machine = await lead.PostJsonAsync($"/api/v1/organisations/{msp.Id}/invitations", new { email = PeopleSteps.UniqueEmail("x"), role = "MspIntegration" }))
        {
            (await machine.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("role_mismatch");
        }
        using (var unknownRole = await lead.PostJsonAsync($"/api/v1/organisations/{msp.Id}/invitations", new { email = PeopleSteps.UniqueEmail("x"), role = "Overlord" }))
        {
            unknownRole.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }
        (await lead.PeopleAsync(msp.Id)).Invitations.Count(i => i.Email == email).ShouldBe(1);
    }

    public static TheoryData<string, string> OddEmails => new()
    {
        { "zero-width space", "ana\u200B@example.com" },
        { "right-to-left override", "\u202Emoc.elpmaxe@ana" },
        { "fullwidth at sign", "ana\uFF20example.com" },
        { "fullwidth letter", "\uFF41na@example.com" },
        { "control character", "ana\u0001@example.com" },
        { "line feed", "ana@example.com\nBcc: x@example.com" },
        { "byte order mark", "\uFEFFana@example.com" },
        { "no domain dot", "ana@localhost" },
        { "two at signs", "ana@b@example.com" },
        { "empty", "" },
    };

    [Theory]
    [MemberData(nameof(OddEmails))]
    public async Task An_odd_email_is_a_400_that_names_the_email_field(string what, string email)
    {
        var ada = await Ada;
        var platform = app.Demo.Organisations.Single(o => o.Kind == Portal.Domain.OrganisationKind.Platform);
        using var response = await ada.PostJsonAsync($"/api/v1/organisations/{platform.Id}/invitations", new { email, role = "PlatformAdmin" });
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        problem.Errors.Keys.ShouldContain("email", what);
        (await app.QueryAsync(db => db.Invitations.CountAsync(i => i.OrganisationId == platform.Id && i.Email.Contains("ana")))).ShouldBe(0, what);
    }

    [Fact]
    public async Task Composed_and_decomposed_forms_of_one_email_are_one_invitation()
    {
        var (msp, lead, _) = await MspWithLeadAsync();
        var local = $"jos\u00e9.{Guid.NewGuid().ToString("N")[..8]}";
        var composed = await lead.InviteAsync(msp.Id, $"{local}@example.com", "MspEngineer");
        using var decomposed = await lead.PostJsonAsync($"/api/v1/organisations/{msp.Id}/invitations",
            new { email = $"{local.Replace("\u00e9", "e\u0301", StringComparison.Ordinal)}@example.com", role = "MspEngineer" });
        (await decomposed.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("already_invited");

        // And the decomposed form in the token binds the composed invitation (both normalised alike).
        using var person = app.SignInAs(msp.EntraTenantId!.Value, $"{local.Replace("\u00e9", "e\u0301", StringComparison.Ordinal)}@EXAMPLE.com", "José");
        (await (await person.GetAsync("/api/v1/me", Ct)).ReadAsync<MeDto>()).Memberships.ShouldHaveSingleItem().OrganisationId.ShouldBe(msp.Id);
        composed.Email.ShouldBe($"{local}@example.com");
    }

    [Fact]
    public async Task A_lead_changes_roles_but_the_last_lead_cannot_be_demoted_not_even_by_themselves()
    {
        var (msp, lead, leadEmail) = await MspWithLeadAsync();
        var people = await lead.PeopleAsync(msp.Id);
        var me = people.Members.Single(m => m.Email == leadEmail);

        using (var self = await lead.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{msp.Id}/members/{me.MembershipId}/role", """{"role":"MspEngineer"}"""))
        {
            (await self.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("last_admin");
        }

        var (_, engineerEmail) = await app.JoinAsync(lead, msp, "MspEngineer", "Erin Engineer");
        var engineer = (await lead.PeopleAsync(msp.Id)).Members.Single(m => m.Email == engineerEmail);
        using (var wrongKind = await lead.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{msp.Id}/members/{engineer.MembershipId}/role", """{"role":"CustomerViewer"}"""))
        {
            (await wrongKind.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("role_mismatch");
        }
        using (var promote = await lead.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{msp.Id}/members/{engineer.MembershipId}/role", """{"role":"MspLead"}"""))
        {
            (await promote.ReadAsync<MemberDto>()).Role.ShouldBe("MspLead");
        }
        // Now there are two leads: the first may step down.
        using (var stepDown = await lead.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{msp.Id}/members/{me.MembershipId}/role", """{"role":"MspEngineer"}"""))
        {
            (await stepDown.ReadAsync<MemberDto>()).Role.ShouldBe("MspEngineer");
        }
        var after = await app.QueryAsync(db => db.Memberships.AsNoTracking().Where(m => m.OrganisationId == msp.Id).Select(m => m.Role).ToListAsync());
        after.Count(r => r == Portal.Domain.Role.MspLead).ShouldBe(1);

        // A membership of another organisation through this organisation's route is not there.
        var maya = app.Demo.User(DemoDirectory.Maya);
        var mayaMembership = await app.QueryAsync(db => db.Memberships.Where(m => m.UserId == maya.Id).Select(m => m.Id).FirstAsync());
        using (var foreign = await (await Ada).SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{msp.Id}/members/{mayaMembership}/role", """{"role":"MspLead"}"""))
        {
            await foreign.ReadProblemAsync(HttpStatusCode.NotFound);
        }

        var actions = (await (await Ada).AuditAsync(msp.Id)).Items.Select(a => a.Action).ToList();
        actions.Count(a => a == "role_changed").ShouldBe(2);
    }

    [Fact]
    public async Task The_audit_log_is_newest_first_paged_by_keyset_and_only_for_the_organisations_admins()
    {
        var (msp, lead, _) = await MspWithLeadAsync();
        for (var i = 0; i < 5; i++) await lead.InviteAsync(msp.Id, PeopleSteps.UniqueEmail($"p{i}"), "MspEngineer");

        var all = new List<AuditDto>();
        string? cursor = null;
        do
        {
            var page = await lead.AuditAsync(msp.Id, cursor, limit: 2);
            page.Items.Length.ShouldBeLessThanOrEqualTo(2);
            all.AddRange(page.Items);
            cursor = page.Next;
        } while (cursor is not null);
        // created, lead invited, lead accepted, five invitations
        all.Count.ShouldBe(8);
        all.Select(a => a.Id).Distinct().Count().ShouldBe(8);
        all.Select(a => a.At).ShouldBeInOrder(SortDirection.Descending);
        all[^1].Action.ShouldBe("organisation_created");
        all[0].Action.ShouldBe("person_invited");
        all[0].Actor.ShouldBe("Lena Lead");

        using (var garbage = await lead.GetAsync($"/api/v1/organisations/{msp.Id}/audit?cursor=not-a-cursor", Ct))
        {
            (await garbage.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("cursor");
        }
        // Another organisation's admin: 404, exactly like a missing organisation.
        var jonas = await app.ClientForAsync(DemoDirectory.Jonas);
        using var foreign = await jonas.GetAsync($"/api/v1/organisations/{msp.Id}/audit", Ct);
        var foreignProblem = await foreign.ReadProblemAsync(HttpStatusCode.NotFound);
        var missingId = Guid.NewGuid();
        using var missing = await jonas.GetAsync($"/api/v1/organisations/{missingId}/audit", Ct);
        (await missing.ReadProblemAsync(HttpStatusCode.NotFound)).Detail.ShouldBe(foreignProblem.Detail!.Replace(msp.Id.ToString(), missingId.ToString(), StringComparison.Ordinal));
        // The platform admin reads every organisation's log; a missing one is 404 for them too.
        (await (await Ada).AuditAsync(msp.Id)).Items.Length.ShouldBe(8);
        using var adaMissing = await (await Ada).GetAsync($"/api/v1/organisations/{missingId}/audit", Ct);
        await adaMissing.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_development_sign_in_for_someone_new_binds_their_invitation_and_the_people_page_shows_them()
    {
        var (msp, lead, _) = await MspWithLeadAsync();
        var email = PeopleSteps.UniqueEmail("nina");
        await lead.InviteAsync(msp.Id, email, "MspLead");

        var browser = await app.BrowserAsNewPersonAsync(msp.EntraTenantId!.Value, email, "Nina New");
        var html = await browser.GetStringAsync($"/organisations/{msp.Id}/people", Ct);
        html.ShouldContain("Nina New");
        html.ShouldContain("Invite someone");
        // Removing someone asks first in the browser (confirm.js reads the form's data-confirm).
        html.ShouldContain($"data-confirm=\"Remove Nina New from {msp.Name}? They lose access at once");

        // The page's invite form: antiforgery, the API's rules (an odd email shows the field's error with a 400).
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Invite.Email"] = "zero\u200Bwidth@example.com",
            ["Invite.Role"] = "MspEngineer",
            ["__RequestVerificationToken"] = PeopleSteps.AntiforgeryTokenOf(html),
        });
        using var refused = await browser.PostAsync($"/organisations/{msp.Id}/people?handler=Invite", form, Ct);
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync(Ct)).ShouldContain("invisible formatting character");

        // The same person signing in again gets the same oid: one user.
        var second = await app.BrowserAsNewPersonAsync(msp.EntraTenantId!.Value, email, "Nina New");
        (await second.GetAsync($"/organisations/{msp.Id}/people", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await app.QueryAsync(db => db.Users.CountAsync(u => u.Email == email))).ShouldBe(1);

        // Another organisation's people page: not found (the page answers 404, as the API does).
        using var foreign = await browser.GetAsync($"/organisations/{app.Demo.Org("Harbor IT Partners").Id}/people", Ct);
        foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_dev_token_endpoint_issues_a_token_for_someone_new_that_binds_their_invitation()
    {
        var (msp, lead, _) = await MspWithLeadAsync();
        var email = PeopleSteps.UniqueEmail("tia");
        await lead.InviteAsync(msp.Id, email, "MspEngineer");
        using var anonymous = app.Anonymous();
        using var issued = await anonymous.PostAsJsonAsync("/dev/token", new { email, name = "Tia Token", entraTenantId = msp.EntraTenantId }, Ct);
        var token = (await issued.ReadAsync<TokenDto>()).AccessToken;
        using var tia = app.ClientWithToken(token);
        (await (await tia.GetAsync("/api/v1/me", Ct)).ReadAsync<MeDto>()).Memberships.ShouldHaveSingleItem().Role.ShouldBe("MspEngineer");
    }

    [Fact]
    public async Task Removing_a_customer_member_stops_their_incident_email_and_says_so_in_the_audit_log()
    {
        var ada = await Ada;
        var customer = await ada.CreateOrganisationAsync("Customer");
        var (admin, _) = await app.JoinAsync(ada, customer, "CustomerAdmin", "Cara Admin");
        var (_, viewerEmail) = await app.JoinAsync(admin, customer, "CustomerViewer", "Vic Viewer");
        var viewer = (await admin.PeopleAsync(customer.Id)).Members.Single(m => m.Email == viewerEmail);
        using (var subscribed = await admin.SendRawAsync(HttpMethod.Put, $"/api/v1/tenants/{customer.Id}/email-subscriptions",
            $$"""{"userId":"{{viewer.UserId}}","severities":["Sev1","Sev2"]}"""))
            subscribed.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.GetStringAsync($"/api/v1/tenants/{customer.Id}/email-subscriptions", Ct)).ShouldContain(viewerEmail);

        using (var removed = await admin.DeleteAsync($"/api/v1/organisations/{customer.Id}/members/{viewer.MembershipId}", Ct))
            removed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await admin.GetStringAsync($"/api/v1/tenants/{customer.Id}/email-subscriptions", Ct)).ShouldNotContain(viewerEmail,
            Case.Insensitive, "a former member is neither mailed nor listed as getting mail");
        (await admin.AuditAsync(customer.Id)).Items.ShouldContain(a => a.Action == "member_removed" && a.Detail.Contains("their incident emails stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Inviting_someone_who_already_signs_in_from_the_organisations_Entra_tenant_binds_at_once()
    {
        // A second organisation on Bluepeak's Entra tenant (its internal IT as a customer), whose admin is to be Jonas, Bluepeak's lead.
        var ada = await Ada;
        var jonas = app.Demo.User(DemoDirectory.Jonas);
        var internalIt = await ada.CreateOrganisationAsync("Customer", entraTenantId: jonas.Tid);
        var jonasClient = await app.ClientForAsync(DemoDirectory.Jonas);
        (await (await jonasClient.GetAsync("/api/v1/me", Ct)).ReadAsync<MeDto>()).Memberships.ShouldNotContain(m => m.OrganisationId == internalIt.Id);

        var invitation = await ada.InviteAsync(internalIt.Id, DemoDirectory.Jonas, "CustomerAdmin");
        invitation.State.ShouldBe("Accepted", "he has signed in before: there is no first sign-in left to bind it");
        (await (await jonasClient.GetAsync("/api/v1/me", Ct)).ReadAsync<MeDto>()).Memberships
            .ShouldContain(m => m.OrganisationId == internalIt.Id && m.Role == "CustomerAdmin", "his next request sees it, without signing in again");
        (await ada.PeopleAsync(internalIt.Id)).Members.ShouldContain(m => m.Email == DemoDirectory.Jonas && m.Role == "CustomerAdmin");
        (await ada.AuditAsync(internalIt.Id)).Items.ShouldContain(a => a.Action == "invitation_accepted" && a.Detail.Contains("bound at once", StringComparison.Ordinal));

        // Someone Portal does not know yet is invited as before: pending until their first sign-in.
        (await ada.InviteAsync(internalIt.Id, PeopleSteps.UniqueEmail("newcomer"), "CustomerViewer")).State.ShouldBe("Pending");
    }

    [Fact]
    public async Task Removing_an_msp_engineer_takes_them_off_call_and_the_rotations_only_engineer_stays_until_replaced()
    {
        var (msp, lead, leadEmail) = await MspWithLeadAsync();
        var (_, engineerEmail) = await app.JoinAsync(lead, msp, "MspEngineer", "Ola Oncall");
        var people = (await lead.PeopleAsync(msp.Id)).Members;
        var engineer = people.Single(m => m.Email == engineerEmail);
        var leader = people.Single(m => m.Email == leadEmail);
        var rotationUrl = $"/api/v1/msps/{msp.Id}/on-call/rotation";
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        async Task RotationOfAsync(params Guid[] engineers)
        {
            using var set = await lead.SendRawAsync(HttpMethod.Put, rotationUrl, System.Text.Json.JsonSerializer.Serialize(new
            {
                timeZone = "Europe/Berlin", handoffDay = "Monday", handoffTime = "09:00:00", startsOn = today.ToString("O"), engineers,
            }));
            set.StatusCode.ShouldBe(HttpStatusCode.OK, await set.Content.ReadAsStringAsync(Ct));
        }

        // Alone in the rotation: removing the engineer would leave "on call" naming someone nobody can mail. Refused, nothing changes.
        await RotationOfAsync(engineer.UserId);
        using (var refused = await lead.DeleteAsync($"/api/v1/organisations/{msp.Id}/members/{engineer.MembershipId}", Ct))
            (await refused.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("last_on_call_engineer");
        (await lead.PeopleAsync(msp.Id)).Members.ShouldContain(m => m.Email == engineerEmail);

        // With the lead in the rotation too and a shift of the engineer's next week: both go with the engineer.
        await RotationOfAsync(engineer.UserId, leader.UserId);
        var from = DateTimeOffset.UtcNow.AddDays(7);
        using (var shift = await lead.PostJsonAsync($"/api/v1/msps/{msp.Id}/on-call/overrides", new { userId = engineer.UserId, from, to = from.AddHours(12) }))
            shift.StatusCode.ShouldBe(HttpStatusCode.OK, await shift.Content.ReadAsStringAsync(Ct));
        using (var removed = await lead.DeleteAsync($"/api/v1/organisations/{msp.Id}/members/{engineer.MembershipId}", Ct))
            removed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var rotation = await lead.GetStringAsync(rotationUrl, Ct);
        rotation.ShouldNotContain(engineer.UserId.ToString(), Case.Insensitive, "neither in the order nor in a shift to come");
        using (var onCall = await lead.GetAsync($"/api/v1/msps/{msp.Id}/on-call?at={Uri.EscapeDataString(from.AddHours(1).ToString("O"))}", Ct))
            (await onCall.Content.ReadAsStringAsync(Ct)).ShouldContain(leader.UserId.ToString(), Case.Insensitive, "the lead covers what was the engineer's shift");
        (await lead.AuditAsync(msp.Id)).Items.ShouldContain(a => a.Action == "member_removed" && a.Detail.Contains("taken out of the on-call rotation", StringComparison.Ordinal));
    }

    private sealed record TokenDto(string AccessToken);
}
