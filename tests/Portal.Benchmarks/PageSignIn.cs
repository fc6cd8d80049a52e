using System.Net;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Portal.Benchmarks;

/// <summary>
/// Gets the customer's page cookie the way a person does: GET /signin, then post the form that picks the
/// demo user, antiforgery token included. The sign-in page's markup is not fixed, so the form is read
/// generically: the post form that mentions the user (by id or email) and the field that carries that
/// value (a hidden input, a radio button, a select option or a named submit button). If no such form
/// works, the cookie is issued with Portal's own cookie protector (the same ticket the sign-in would
/// write) and the harness says so.
/// </summary>
public static partial class PageSignIn
{
    public sealed record Result(string Method, string Detail);

    public static async Task<Result> SignInAsync(HttpClient client, CookieContainer cookies, Uri baseAddress, DemoUser user, IServiceProvider services, CancellationToken ct)
    {
        string detail;
        try
        {
            detail = await TryFormAsync(client, cookies, baseAddress, user, ct);
            if (HasAuthCookie(cookies, baseAddress)) return new Result("signin-form", detail);
        }
        catch (HttpRequestException e)
        {
            detail = $"GET/POST /signin failed: {e.Message}";
        }

        IssueCookie(cookies, baseAddress, user, services);
        return new Result("issued-cookie", detail);
    }

    public static bool HasAuthCookie(CookieContainer cookies, Uri baseAddress) =>
        cookies.GetCookies(baseAddress).Any(c => c.Name.StartsWith(AuthCookieName, StringComparison.Ordinal));

    private const string AuthCookieName = "portal.dev";

    private static async Task<string> TryFormAsync(HttpClient client, CookieContainer cookies, Uri baseAddress, DemoUser user, CancellationToken ct)
    {
        var signInUri = new Uri(baseAddress, "signin");
        using var page = await client.GetAsync(signInUri, ct);
        if (page.StatusCode != HttpStatusCode.OK) return $"GET /signin answered {(int)page.StatusCode}";
        var html = await page.Content.ReadAsStringAsync(ct);

        var forms = FormPattern().Matches(html);
        foreach (Match form in forms)
        {
            var attributes = form.Groups["attrs"].Value;
            if (!string.Equals(Attribute(attributes, "method"), "post", StringComparison.OrdinalIgnoreCase)) continue;
            var body = form.Groups["body"].Value;
            var fields = FieldsFor(body, user);
            if (fields is null) continue;

            var action = Attribute(attributes, "action") is { Length: > 0 } a ? new Uri(page.RequestMessage?.RequestUri ?? signInUri, WebUtility.HtmlDecode(a)) : page.RequestMessage?.RequestUri ?? signInUri;
            using var content = new FormUrlEncodedContent(fields);
            using var response = await client.PostAsync(action, content, ct);
            if (HasAuthCookie(cookies, baseAddress)) return $"posted {action.AbsolutePath} with {string.Join(", ", fields.Select(f => f.Key))}";
            return $"POST {action.AbsolutePath} answered {(int)response.StatusCode} without setting the {AuthCookieName} cookie";
        }
        return $"GET /signin has no post form naming {user.Email} or {user.Id}";
    }

    /// <summary>The form's fields for this user, or null when the form does not pick this user.</summary>
    private static List<KeyValuePair<string, string>>? FieldsFor(string formBody, DemoUser user)
    {
        bool Picks(string value) =>
            string.Equals(value, user.Id.ToString(), StringComparison.OrdinalIgnoreCase) || string.Equals(value, user.Email, StringComparison.OrdinalIgnoreCase);

        var fields = new List<KeyValuePair<string, string>>();
        var picked = false;
        foreach (Match input in InputPattern().Matches(formBody))
        {
            var attrs = input.Groups["attrs"].Value;
            var name = Attribute(attrs, "name");
            if (string.IsNullOrEmpty(name)) continue;
            var value = WebUtility.HtmlDecode(Attribute(attrs, "value") ?? "");
            var type = (Attribute(attrs, "type") ?? "text").ToLowerInvariant();
            if (type is "radio" or "checkbox")
            {
                if (!Picks(value)) continue;
                picked = true;
            }
            else if (type is "submit" or "image" or "button") continue;
            else if (Picks(value)) picked = true;
            fields.Add(new(name, value));
        }
        foreach (Match select in SelectPattern().Matches(formBody))
        {
            var name = Attribute(select.Groups["attrs"].Value, "name");
            if (string.IsNullOrEmpty(name)) continue;
            foreach (Match option in OptionPattern().Matches(select.Groups["body"].Value))
            {
                var value = WebUtility.HtmlDecode(Attribute(option.Groups["attrs"].Value, "value") ?? option.Groups["text"].Value.Trim());
                if (!Picks(value)) continue;
                fields.Add(new(name, value));
                picked = true;
            }
        }
        foreach (Match button in ButtonPattern().Matches(formBody))
        {
            var attrs = button.Groups["attrs"].Value;
            var name = Attribute(attrs, "name");
            var value = WebUtility.HtmlDecode(Attribute(attrs, "value") ?? "");
            if (string.IsNullOrEmpty(name) || !Picks(value)) continue;
            fields.Add(new(name, value));
            picked = true;
        }
        // One form per user with no field carrying the id: the form names the user in its text.
        if (!picked && (formBody.Contains(user.Email, StringComparison.OrdinalIgnoreCase) || formBody.Contains(user.Id.ToString(), StringComparison.OrdinalIgnoreCase)))
        {
            picked = !MentionsOtherUsers(formBody, user);
        }
        return picked ? fields : null;
    }

    private static bool MentionsOtherUsers(string formBody, DemoUser user) =>
        EmailPattern().Matches(formBody).Any(m => !string.Equals(m.Value, user.Email, StringComparison.OrdinalIgnoreCase));

    private static string? Attribute(string attributes, string name)
    {
        foreach (Match m in AttributePattern().Matches(attributes))
        {
            if (string.Equals(m.Groups["name"].Value, name, StringComparison.OrdinalIgnoreCase))
                return m.Groups["dq"].Success ? m.Groups["dq"].Value : m.Groups["sq"].Success ? m.Groups["sq"].Value : m.Groups["bare"].Value;
        }
        return null;
    }

    /// <summary>The ticket DevelopmentSignIn.SignInAsync would write (same claims), protected with Portal's own cookie options.</summary>
    private static void IssueCookie(CookieContainer cookies, Uri baseAddress, DemoUser user, IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme);
        var identity = new ClaimsIdentity(
        [
            new Claim("tid", user.EntraTenantId.ToString()),
            new Claim("oid", user.EntraObjectId.ToString()),
            new Claim("name", user.Name),
            new Claim("preferred_username", user.Email),
        ], CookieAuthenticationDefaults.AuthenticationScheme, "name", "roles");
        var now = DateTimeOffset.UtcNow;
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + options.ExpireTimeSpan };
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), properties, CookieAuthenticationDefaults.AuthenticationScheme);
        var value = options.TicketDataFormat.Protect(ticket);
        cookies.Add(baseAddress, new Cookie(options.Cookie.Name ?? AuthCookieName, value, "/"));
    }

    [GeneratedRegex(@"<form\b(?<attrs>[^>]*)>(?<body>.*?)</form>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex FormPattern();

    [GeneratedRegex(@"<input\b(?<attrs>[^>]*)/?>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex InputPattern();

    [GeneratedRegex(@"<select\b(?<attrs>[^>]*)>(?<body>.*?)</select>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex SelectPattern();

    [GeneratedRegex(@"<option\b(?<attrs>[^>]*)>(?<text>[^<]*)", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex OptionPattern();

    [GeneratedRegex(@"<button\b(?<attrs>[^>]*)>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ButtonPattern();

    [GeneratedRegex(@"(?<name>[\w:.-]+)\s*=\s*(?:""(?<dq>[^""]*)""|'(?<sq>[^']*)'|(?<bare>[^\s""'>]+))", RegexOptions.Singleline)]
    private static partial Regex AttributePattern();

    [GeneratedRegex(@"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")]
    private static partial Regex EmailPattern();
}
