using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>The two notification pages are found from the pages their people already use, and say what they did.</summary>
public sealed class NotificationPagesTests(PortalApp app)
{
    [Fact]
    public async Task A_customer_admin_reaches_email_updates_from_the_status_page_and_is_told_what_was_saved_and_a_viewer_has_no_link()
    {
        var olivia = await app.SignInAsync("Olivia Grant"); // Northwind Airways, CustomerAdmin
        await olivia.GotoAsync("/status");
        await olivia.GetByRole(AriaRole.Link, new() { Name = "Email updates →" }).ClickAsync();
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = "Email notifications", Level = 1 })).ToBeVisibleAsync();

        await olivia.GetByLabel("Person").SelectOptionAsync(new SelectOptionValue { Label = "Noah Patel (noah@northwindairways.example)" });
        await olivia.GetByLabel("Sev3 (moderate)").CheckAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(olivia.GetByTestId("banner")).ToHaveTextAsync("Noah Patel gets email for Sev1 (critical), Sev2 (high), Sev3 (moderate).");
        await Expect(olivia.GetByTestId("subscriptions").GetByRole(AriaRole.Row).Filter(new() { HasText = "Noah Patel" }))
            .ToContainTextAsync("Sev1 (critical), Sev2 (high), Sev3 (moderate)");

        // A refusal is a banner too, and the field says why.
        foreach (var severity in new[] { "Sev1 (critical)", "Sev2 (high)" }) await olivia.GetByLabel(severity).UncheckAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(olivia.GetByTestId("banner")).ToContainTextAsync("Check the fields marked below");
        await Expect(olivia.Locator(".field-error").Filter(new() { HasText = "Choose at least one severity" })).ToHaveCountAsync(1);

        // Removing someone asks first; cancelling keeps them.
        var asked = new TaskCompletionSource<string>();
        async void Dismiss(object? _, IDialog dialog) { await dialog.DismissAsync(); asked.TrySetResult(dialog.Message); }
        olivia.Dialog += Dismiss;
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Remove Noah Patel" }).ClickAsync();
        (await asked.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken))
            .ShouldBe("Stop email to Noah Patel about your incidents? Add them again here to undo.");
        olivia.Dialog -= Dismiss;
        await olivia.GotoAsync(new Uri(olivia.Url).AbsolutePath); // a fresh GET: the page on screen answered a POST
        await Expect(olivia.GetByTestId("subscriptions").GetByRole(AriaRole.Row).Filter(new() { HasText = "Noah Patel" })).ToHaveCountAsync(1);

        await olivia.GetByRole(AriaRole.Link, new() { Name = "← Status" }).ClickAsync();
        await Expect(olivia.GetByTestId("open-count")).ToBeVisibleAsync();

        var noah = await app.SignInAsync("Noah Patel"); // Northwind Airways, CustomerViewer
        await noah.GotoAsync("/status");
        await Expect(noah.GetByTestId("open-count")).ToBeVisibleAsync();
        await Expect(noah.GetByRole(AriaRole.Link, new() { Name = "Email updates →" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_MSP_lead_adds_a_webhook_sees_its_secret_once_rotates_it_and_removes_it_after_a_question()
    {
        var name = $"ops-pager-{Guid.NewGuid():N}"[..18];
        var liam = await app.SignInAsync("Liam O'Brien"); // Harbor IT Partners, MspLead
        await liam.GotoAsync("/escalations");
        await liam.GetByRole(AriaRole.Link, new() { Name = "Notification endpoints →" }).ClickAsync();
        await Expect(liam.GetByRole(AriaRole.Heading, new() { Name = "Notification endpoints", Level = 1 })).ToBeVisibleAsync();
        var form = liam.GetByRole(AriaRole.Form, new() { Name = "Add an endpoint" });
        await Expect(form.GetByLabel("Channel")).ToHaveValueAsync(""); // nothing chosen for the lead

        // A refusal keeps what was typed and says which field.
        await form.GetByLabel("Name").FillAsync(name);
        await form.GetByLabel("Channel").SelectOptionAsync("Webhook");
        await form.GetByLabel("URL").FillAsync("https://user:secret@hooks.harbor.example/portal");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        await Expect(liam.GetByTestId("banner")).ToContainTextAsync("Check the fields marked below");
        await Expect(form.Locator(".field-error").Filter(new() { HasText = "no user name or password" })).ToHaveCountAsync(1);
        await Expect(form.GetByLabel("Name")).ToHaveValueAsync(name);

        await form.GetByLabel("URL").FillAsync("https://hooks.harbor.example/portal");
        var answer = await liam.RunAndWaitForResponseAsync(
            () => form.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync(), r => r.Request.Method == "POST");
        (await answer.HeaderValueAsync("cache-control")).ShouldNotBeNull().ShouldContain("no-store"); // the secret is kept by no cache (antiforgery's header)
        await Expect(liam.GetByTestId("banner")).ToContainTextAsync($"{name} added");
        var secret = await liam.GetByTestId("secret").GetByRole(AriaRole.Textbox).InputValueAsync();
        secret.Length.ShouldBeGreaterThan(20);
        var row = liam.Locator($"tr[data-endpoint='{name}']");
        await Expect(row).ToContainTextAsync("All tenants");

        // Shown once: a fresh view of the page does not have it.
        await liam.GotoAsync(liam.Url);
        await Expect(liam.GetByTestId("secret")).ToHaveCountAsync(0);
        (await liam.ContentAsync()).ShouldNotContain(secret);

        await row.GetByRole(AriaRole.Button, new() { Name = $"New secret for {name}" }).ClickAsync();
        await Expect(liam.GetByTestId("banner")).ToContainTextAsync("The old secret keeps signing until");
        var rotated = await liam.GetByTestId("secret").GetByRole(AriaRole.Textbox).InputValueAsync();
        rotated.ShouldNotBe(secret);

        string? asked = null;
        liam.Dialog += async (_, dialog) => { asked = dialog.Message; await dialog.AcceptAsync(); };
        await liam.Locator($"tr[data-endpoint='{name}']").GetByRole(AriaRole.Button, new() { Name = $"Remove {name}" }).ClickAsync();
        await Expect(liam.GetByTestId("banner")).ToContainTextAsync("Endpoint removed");
        await Expect(liam.Locator($"tr[data-endpoint='{name}']")).ToHaveCountAsync(0);
        asked.ShouldNotBeNull().ShouldStartWith($"Remove {name}?");
    }

    [Fact]
    public async Task The_MSP_lead_reaches_the_delivery_log_from_the_escalations_page_and_sees_how_long_it_keeps_tries_and_an_engineer_has_no_link()
    {
        var liam = await app.SignInAsync("Liam O'Brien"); // Harbor IT Partners, MspLead
        await liam.GotoAsync("/escalations");
        await liam.GetByRole(AriaRole.Link, new() { Name = "Notification deliveries →" }).ClickAsync();
        await Expect(liam.GetByRole(AriaRole.Heading, new() { Name = "Notification deliveries", Level = 1 })).ToBeVisibleAsync();
        // How far back the log reaches, where a lead looks for an old try (the defaults: Notifications:Retain*).
        await Expect(liam.GetByTestId("retention")).ToHaveTextAsync("Kept for 30 days after a delivery and 90 days after a final failure.");
        await liam.GetByRole(AriaRole.Link, new() { Name = "← Escalations and on call" }).ClickAsync();
        await Expect(liam.GetByRole(AriaRole.Heading, new() { Name = "Escalations and on call", Level = 1 })).ToBeVisibleAsync();

        var maya = await app.SignInAsync("Maya Chen"); // Harbor IT Partners, MspEngineer
        await maya.GotoAsync("/escalations");
        await Expect(maya.GetByRole(AriaRole.Heading, new() { Name = "Escalations and on call", Level = 1 })).ToBeVisibleAsync();
        await Expect(maya.GetByRole(AriaRole.Link, new() { Name = "Notification deliveries →" })).ToHaveCountAsync(0);
    }
}
