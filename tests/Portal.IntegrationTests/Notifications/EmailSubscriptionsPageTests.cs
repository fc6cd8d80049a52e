namespace Portal.IntegrationTests.Notifications;

/// <summary>The email notifications page of a customer's admin (its own app: it changes who gets email, which the delivery tests count).</summary>
public sealed class EmailSubscriptionsPageTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);

    [Fact]
    public async Task Changing_a_subscriber_on_the_page_starts_from_their_choices_so_one_change_keeps_the_others()
    {
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var noah = app.Demo.User(DemoDirectory.Noah);
        using (var set = await olivia.SendRawAsync(HttpMethod.Put, $"/api/v1/tenants/{Northwind}/email-subscriptions",
            $$"""{"userId":"{{noah.Id}}","severities":["Sev3"],"statusChanges":false,"customerUpdates":true}"""))
            set.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var page = await app.PageClientForAsync(DemoDirectory.Olivia);
        var path = $"/tenants/{Northwind}/email-subscriptions";

        var list = await page.GetStringAsync(path, Ct);
        list.ShouldContain($"href=\"?user={noah.Id}#add-or-change\"");
        list.ShouldContain("name=\"Severities\" value=\"Sev1\" checked=\"checked\"", Case.Sensitive, "a new subscription starts at Sev1 and Sev2");

        var change = await page.GetStringAsync($"{path}?user={noah.Id}", Ct);
        change.ShouldContain($"<option value=\"{noah.Id}\" selected=\"selected\">");
        change.ShouldContain("name=\"Severities\" value=\"Sev3\" checked=\"checked\"");
        change.ShouldNotContain("name=\"Severities\" value=\"Sev1\" checked=\"checked\"");
        change.ShouldNotContain("name=\"StatusChanges\" value=\"true\" checked=\"checked\"");
        change.ShouldContain("name=\"CustomerUpdates\" value=\"true\" checked=\"checked\"");
    }
}
