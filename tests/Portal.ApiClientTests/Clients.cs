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
    public static async Task<PortalClient> ForAsync(PortalApp app, string email) => Reading(await app.ClientForAsync(email));

    /// <summary>An RMM tool's app-only token (idtyp=app, the app role, no scp) for the integration user with this email.</summary>
    public static PortalClient ForRmm(PortalApp app, string email)
    {
        var rmm = app.Demo.User(email);
        var token = app.Services.GetRequiredService<DevelopmentTokens>().CreateAppToken(rmm.Tid, rmm.Oid, [MachineClients.RemediationRole]);
        return Reading(app.ClientWithToken(token));
    }

    /// <summary>
    /// Keeps each answer's text, so a refusal's problem details are in <see cref="ApiException.Response"/> whether or not the
    /// contract documents that status (where it does, the client would otherwise only deserialize them into its result).
    /// </summary>
    private static PortalClient Reading(HttpClient http) => new(http) { ReadResponseAsString = true };

    /// <summary>The If-Match value the API asks for: the version in quotes, as the ETag of the last read.</summary>
    public static string IfMatch(long version) => $"\"{version}\"";

    /// <summary>
    /// Runs a call that must fail and returns what the client surfaced: the status and the problem's <c>code</c>. Any
    /// <see cref="ApiException"/> counts: the client throws its generic subclass where the contract documents the status.
    /// </summary>
    public static async Task<(int Status, string? Code)> RefusedAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (ApiException refused)
        {
            using var problem = JsonDocument.Parse(refused.Response is { Length: > 0 } body ? body : "{}");
            var code = problem.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            return (refused.StatusCode, code);
        }
        throw new ShouldAssertException("The call succeeded; it should have been refused.");
    }
}
