using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Portal.IntegrationTests.Advisories;

namespace Portal.IntegrationTests.Hardening;

/// <summary>Sign-out is refused without the antiforgery token, and every post form of the pages carries the token exactly once.</summary>
public sealed partial class AntiforgeryTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpClient> SignedInAsync(string email) => app.PageClientForAsync(email);

    private static string SignOutToken(string html)
    {
        var form = PostForm().Matches(html).Single(f => f.Groups["tag"].Value.Contains("action=\"/signout\"", StringComparison.Ordinal));
        var token = AntiforgeryToken().Match(form.Value).Groups[1].Value;
        token.ShouldNotBeNullOrEmpty();
        return token;
    }

    [Fact]
    public async Task Sign_out_without_the_token_is_refused_and_leaves_the_user_signed_in()
    {
        using var maya = await SignedInAsync(DemoDirectory.Maya);
        using (var withoutToken = await maya.PostAsync("/signout", new FormUrlEncodedContent([]), Ct))
            withoutToken.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        // A cross-site form cannot know the token; a made-up one is no better.
        using (var madeUp = await maya.PostAsync("/signout", new FormUrlEncodedContent([new("__RequestVerificationToken", "CfDJ8made-up")]), Ct))
            madeUp.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var still = await maya.GetAsync("/triage", Ct);
        still.StatusCode.ShouldBe(HttpStatusCode.OK, "refused sign-outs change nothing");
    }

    [Fact]
    public async Task Sign_out_with_the_token_of_the_layouts_button_signs_out()
    {
        using var maya = await SignedInAsync(DemoDirectory.Maya);
        var token = SignOutToken(await maya.GetStringAsync("/triage", Ct));
        using (var signOut = await maya.PostAsync("/signout", new FormUrlEncodedContent([new("__RequestVerificationToken", token)]), Ct))
        {
            signOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            signOut.Headers.Location!.OriginalString.ShouldBe("/signin");
        }
        using var after = await maya.GetAsync("/triage", Ct);
        after.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        after.Headers.Location!.AbsolutePath.ShouldBe("/signin");
    }

    [Fact]
    public async Task Another_users_sign_out_token_does_not_sign_this_one_out()
    {
        using var maya = await SignedInAsync(DemoDirectory.Maya);
        using var sam = await SignedInAsync(DemoDirectory.Sam);
        var samsToken = SignOutToken(await sam.GetStringAsync("/triage", Ct));
        using (var foreign = await maya.PostAsync("/signout", new FormUrlEncodedContent([new("__RequestVerificationToken", samsToken)]), Ct))
            foreign.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await maya.GetAsync("/triage", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>
    /// The status page is output-cached per user: the same person in a second browser (another antiforgery cookie) must not be
    /// served the first browser's copy, whose sign-out token that browser's cookie does not match.
    /// </summary>
    [Fact]
    public async Task The_cached_status_page_gives_each_browser_a_sign_out_token_of_its_own()
    {
        using var laptop = await SignedInAsync(DemoDirectory.Olivia);
        using var phone = await SignedInAsync(DemoDirectory.Olivia);
        var laptopToken = SignOutToken(await laptop.GetStringAsync("/status", Ct));
        SignOutToken(await laptop.GetStringAsync("/status", Ct)).ShouldBe(laptopToken, "the laptop's second view is the cached page");
        var phoneToken = SignOutToken(await phone.GetStringAsync("/status", Ct));
        phoneToken.ShouldNotBe(laptopToken);
        using var signOut = await phone.PostAsync("/signout", new FormUrlEncodedContent([new("__RequestVerificationToken", phoneToken)]), Ct);
        signOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    /// <summary>The pages with the most kinds of forms, each form checked: one token, no more (no manual token beside the form's own).</summary>
    [Fact]
    public async Task Every_post_form_of_the_pages_carries_the_token_once()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var (incident, _) = await (await app.ClientForAsync(DemoDirectory.Maya)).CreateIncidentAsync(northwind, "Antiforgery forms");
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var advisory = await priya.PublishAsync(app.Demo.Org("Sentinel Shield Security").Id, "Antiforgery forms advisory",
            [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id]);

        using var anonymous = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var maya = await SignedInAsync(DemoDirectory.Maya);
        using var liam = await SignedInAsync(DemoDirectory.Liam);
        using var priyaPages = await SignedInAsync(DemoDirectory.Priya);
        using var ada = await SignedInAsync(DemoDirectory.Ada);
        var pages = new (HttpClient Client, string Url)[]
        {
            (anonymous, "/signin"), (anonymous, "/signout"),
            (maya, "/triage"), (maya, $"/incidents/{incident.Id}"), (maya, $"/incidents/{incident.Id}/remediation"), (maya, $"/advisories/{advisory.Id}"),
            (liam, "/escalations"), (liam, "/contracts"),
            (priyaPages, "/provider/advisories/new"), (priyaPages, $"/provider/advisories/{advisory.Id}/edit"), (priyaPages, $"/provider/advisories/{advisory.Id}"),
            (ada, "/admin/organisations"),
        };
        var forms = 0;
        foreach (var (client, url) in pages)
        {
            using var response = await client.GetAsync(url, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
            var html = await response.Content.ReadAsStringAsync(Ct);
            var posts = PostForm().Matches(html);
            posts.Count.ShouldBeGreaterThan(0, url);
            foreach (Match form in posts)
            {
                AntiforgeryToken().Count(form.Value).ShouldBe(1, $"{url}: {form.Groups["tag"].Value}");
                forms++;
            }
        }
        forms.ShouldBeGreaterThan(pages.Length);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("(?<tag><form\\b[^>]*method=\"post\"[^>]*>).*?</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex PostForm();
}
