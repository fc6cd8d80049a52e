using Microsoft.Extensions.Options;

namespace Portal.IntegrationTests.Notifications;

/// <summary>
/// A mistyped SMTP setting stops the start with a message naming it. It used to start, and every email then failed at its
/// first send (an exception the delivery job did not expect, which also stopped every other message of the batch).
/// </summary>
public sealed class NotificationSettingsTests
{
    [Theory]
    [InlineData("Notifications:Smtp:Security", "TLS", "Notifications:Smtp:Security must be one of None, Auto, SslOnConnect, StartTls, StartTlsWhenAvailable")]
    [InlineData("Notifications:Smtp:Port", "0", "Notifications:Smtp:Port must be between 1 and 65535")]
    [InlineData("Notifications:Smtp:From", "Portal notifications", "Notifications:Smtp:From must be a mail address")]
    public async Task A_mistyped_smtp_setting_stops_the_start_with_a_message_that_names_it(string setting, string value, string message)
    {
        await using var app = new SettingApp(setting, value);
        var refused = await Should.ThrowAsync<OptionsValidationException>(async () => await app.InitializeAsync());
        refused.Message.ShouldContain(message);
    }

    [Theory]
    [InlineData("Notifications:Smtp:Security", "starttls")]
    [InlineData("Notifications:Smtp:From", "ops@harborit.example")]
    public async Task A_setting_written_another_valid_way_starts(string setting, string value)
    {
        await using var app = new SettingApp(setting, value);
        await app.InitializeAsync();
        using var ready = await app.CreateClient().GetAsync("/health/live", TestContext.Current.CancellationToken);
        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
