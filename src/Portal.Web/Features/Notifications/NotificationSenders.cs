using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Portal.Domain;

namespace Portal.Features.Notifications;

/// <summary>How one try ended. <see cref="Permanent"/>: trying again cannot help (the endpoint was deleted, the address is refused).</summary>
public sealed record SendResult(bool Ok, int? StatusCode, string? Error, bool Permanent = false)
{
    public static readonly SendResult Success = new(true, null, null);
}

/// <summary>
/// The three channels. Each call is bounded by <see cref="NotificationOptions.SendTimeout"/> (the HTTP client's timeout; MailKit's
/// per-operation timeout), so a slow receiver costs a worker at most that long. Secrets and Teams URLs never reach a log or the
/// delivery log (which names the endpoint, not its URL).
/// </summary>
public sealed partial class NotificationSenders(IHttpClientFactory httpClients, EndpointAddressGuard guard, WebhookSecrets secrets, UnsubscribeLinks unsubscribe,
    IOptions<NotificationOptions> options, TimeProvider clock, ILogger<NotificationSenders> logger)
{
    public const string HttpClientName = "Portal.Notifications";

    public async Task<SendResult> SendAsync(OutboxMessage message, NotificationEndpoint? endpoint, CancellationToken ct)
    {
        try
        {
            return message.Channel switch
            {
                NotificationChannel.Email => await SendEmailAsync(message, ct),
                _ when endpoint is null => new SendResult(false, null, "The endpoint was deleted.", Permanent: true),
                NotificationChannel.Webhook => await PostAsync(endpoint, message, message.Payload, WebhookHeaders(endpoint, message), ct),
                NotificationChannel.Teams => await PostAsync(endpoint, message, TeamsCard(message), null, ct),
                _ => new SendResult(false, null, $"No sender for {message.Channel}.", Permanent: true),
            };
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new SendResult(false, null, $"Timed out after {options.Value.SendTimeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException e)
        {
            return new SendResult(false, null, Innermost(e));
        }
        catch (SmtpCommandException e)
        {
            return new SendResult(false, (int)e.StatusCode, e.Message);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or SmtpProtocolException or ServiceNotConnectedException or TimeoutException or SslHandshakeException or AuthenticationException)
        {
            return new SendResult(false, null, e is TimeoutException ? $"Timed out after {options.Value.SendTimeout.TotalSeconds:0.#} s." : e.Message);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Anything else (a webhook secret the data-protection keys no longer open, a bug): this message's try failed, is recorded
            // and retried like any other, and the messages after it in the batch still go out. Thrown, it stopped the whole batch
            // and left this message claimed and Pending for ever, without a line in the delivery log.
            LogUnexpected(logger, e, message.Id, message.Channel);
            return new SendResult(false, null, $"Portal could not send it ({e.GetType().Name}); the server log has the details.");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox message {MessageId} ({Channel}) could not be sent")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, Guid messageId, NotificationChannel channel);

    private Func<HttpRequestMessage, Task> WebhookHeaders(NotificationEndpoint endpoint, OutboxMessage message) => request =>
    {
        var now = clock.GetUtcNow();
        var timestamp = now.ToUnixTimeSeconds();
        var valid = endpoint.ProtectedSecretsAt(now).Select(secrets.Unprotect);
        request.Headers.Add("Portal-Signature", WebhookSecrets.SignatureHeader(valid, timestamp, message.Payload));
        request.Headers.Add("Portal-Timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Task.CompletedTask;
    };

    private async Task<SendResult> PostAsync(NotificationEndpoint endpoint, OutboxMessage message, string body, Func<HttpRequestMessage, Task>? sign, CancellationToken ct)
    {
        var url = new Uri(endpoint.Url);
        guard.CheckScheme(url);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Portal-Delivery-Id", message.Id.ToString());
        request.Headers.Add("Portal-Event", Outbox.EventName(message.Event));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Portal-Notifications", "1.0"));
        if (sign is not null) await sign(request);
        var client = httpClients.CreateClient(HttpClientName);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var status = (int)response.StatusCode;
        return response.IsSuccessStatusCode ? SendResult.Success with { StatusCode = status }
            : new SendResult(false, status, $"The receiver answered {status} {response.ReasonPhrase}.");
    }

    private async Task<SendResult> SendEmailAsync(OutboxMessage message, CancellationToken ct)
    {
        var smtp = options.Value.Smtp;
        if (string.IsNullOrWhiteSpace(smtp.Host)) return new SendResult(false, null, "No SMTP server is configured (Notifications:Smtp:Host).");
        var payload = JsonSerializer.Deserialize<NotificationPayload>(message.Payload, Outbox.Json)!;
        var mail = new MimeMessage { Subject = Subject(payload), MessageId = $"{message.Id:N}@portal.notifications" };
        mail.From.Add(MailboxAddress.Parse(smtp.From));
        mail.To.Add(MailboxAddress.Parse(message.Target));
        var unsubscribeLink = message.SubscriptionId is { } sid ? unsubscribe.LinkFor(sid) : null;
        if (unsubscribeLink is not null)
        {
            mail.Headers.Add("List-Unsubscribe", $"<{unsubscribeLink}>");
            mail.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        mail.Body = new TextPart("plain") { Text = EmailText(payload, unsubscribeLink) };

        using var client = new SmtpClient { Timeout = (int)options.Value.SendTimeout.TotalMilliseconds };
        await client.ConnectAsync(smtp.Host, smtp.Port, Enum.Parse<SecureSocketOptions>(smtp.Security, ignoreCase: true), ct);
        if (!string.IsNullOrEmpty(smtp.Username)) await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", ct);
        await client.SendAsync(mail, ct);
        await client.DisconnectAsync(true, ct);
        return SendResult.Success with { StatusCode = 250 };
    }

    public static string Subject(NotificationPayload p) => (p.Incident, p.Advisory) switch
    {
        (null, { } a) => $"[Advisory] {a.Severity} from {a.Provider} for {p.Tenant.Name}: {a.Title}",
        ({ } i, _) => p.Event switch
        {
            "incident.opened" => $"[{i.Reference}] {i.Severity} opened: {i.Title}",
            "incident.status_changed" => $"[{i.Reference}] {i.Status}: {i.Title}",
            "incident.severity_changed" => $"[{i.Reference}] Now {i.Severity}: {i.Title}",
            "incident.customer_update" => $"[{i.Reference}] Update: {i.Title}",
            "incident.escalated" => $"[{i.Reference}] Escalated ({i.Severity}, {i.Status}): {i.Title}",
            _ => $"[{i.Reference}] {i.Title}",
        },
        _ => $"[{p.Event}] {p.Tenant.Name}",
    };

    private static string EmailText(NotificationPayload p, string? unsubscribeLink)
    {
        var text = new StringBuilder();
        if (p.Incident is { } i) text.AppendLine($"{p.Tenant.Name} — {i.Reference} ({i.Severity}, {i.Status})").AppendLine(i.Title).AppendLine();
        if (p.Advisory is { } a) text.AppendLine($"{p.Tenant.Name} — targeted by {a.Provider}'s advisory ({a.Severity}, {a.Status})").AppendLine(a.Title).AppendLine();
        if (p.Text is { Length: > 0 }) text.AppendLine(p.Text).AppendLine();
        if (p.Incident?.CustomerSummary is { Length: > 0 } summary) text.AppendLine("Summary: " + summary).AppendLine();
        text.AppendLine($"{p.OccurredAt:u}{(p.Actor is null ? "" : " · " + p.Actor)}");
        if (unsubscribeLink is not null) text.AppendLine().AppendLine("Stop these emails: " + unsubscribeLink);
        return text.ToString();
    }

    /// <summary>A Teams message with one Adaptive Card (what an incoming webhook and a Workflows "post to a channel" flow accept).</summary>
    public static string TeamsCard(OutboxMessage message)
    {
        var p = JsonSerializer.Deserialize<NotificationPayload>(message.Payload, Outbox.Json)!;
        object[] body =
        [
            new { type = "TextBlock", size = "Medium", weight = "Bolder", wrap = true, text = Subject(p) },
            new { type = "FactSet", facts = new object[]
            {
                new { title = "Tenant", value = p.Tenant.Name },
                new { title = "Severity", value = (p.Incident?.Severity ?? p.Advisory?.Severity)?.ToString() ?? "" },
                new { title = "Status", value = p.Incident?.Status.ToString() ?? p.Advisory?.Status.ToString() ?? "" },
                new { title = "When", value = p.OccurredAt.ToString("u") },
            } },
            new { type = "TextBlock", wrap = true, text = p.Text ?? p.Incident?.CustomerSummary ?? "" },
        ];
        var card = new
        {
            type = "message",
            attachments = new object[]
            {
                new
                {
                    contentType = "application/vnd.microsoft.card.adaptive",
                    contentUrl = (string?)null,
                    content = new Dictionary<string, object>
                    {
                        ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                        ["type"] = "AdaptiveCard",
                        ["version"] = "1.4",
                        ["body"] = body,
                    },
                },
            },
        };
        return JsonSerializer.Serialize(card);
    }

    private static string Innermost(Exception e) => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
}
