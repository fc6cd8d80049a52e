using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.ApiClient;
using Portal.Infrastructure.Auth;

namespace Portal.ApiClientTests;

/// <summary>
/// The generated client as each kind of integrator holds it: an <see cref="HttpClient"/> whose base address is the app and
/// whose bearer token comes from the test token helpers; every call in these tests goes through <see cref="PortalClient"/>.
/// </summary>
public static class Clients
{
    /// <summary>A person's (delegated) token, as the integration tests get one.</summary>
    public static async Task<PortalClient> ForAsync(PortalApp app, string email) => new(await app.ClientForAsync(email));

    /// <summary>An RMM tool's app-only token (idtyp=app, the app role, no scp) for the integration user with this email.</summary>
    public static PortalClient ForRmm(PortalApp app, string email)
    {
        var rmm = app.Demo.User(email);
        var token = app.Services.GetRequiredService<DevelopmentTokens>().CreateAppToken(rmm.Tid, rmm.Oid, [MachineClients.RemediationRole]);
        return new PortalClient(app.ClientWithToken(token));
    }

    /// <summary>The If-Match value the API asks for: the version in quotes, as the ETag of the last read.</summary>
    public static string IfMatch(long version) => $"\"{version}\"";

    /// <summary>Runs a call that must fail and returns what the client surfaced: the status and the problem's <c>code</c>.</summary>
    public static async Task<(int Status, string? Code)> RefusedAsync(Func<Task> call)
    {
        var refused = await Should.ThrowAsync<ApiException>(call);
        using var problem = JsonDocument.Parse(refused.Response ?? "{}");
        var code = problem.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        return (refused.StatusCode, code);
    }
}
