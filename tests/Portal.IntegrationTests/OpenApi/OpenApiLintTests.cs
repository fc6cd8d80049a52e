using System.Diagnostics;
using System.Text.Json;

namespace Portal.IntegrationTests.OpenApi;

/// <summary>
/// The Production document as an integrator's tools see it: Redocly CLI (src/Portal.Web/package.json, installed by the build's
/// npm ci) lints it with the rules of redocly.yaml (recommended, each rule turned down there with its reason) and finds no error.
/// Offline: telemetry and the update check are off, and nothing in the configuration is fetched.
/// </summary>
public sealed class OpenApiLintTests(ProductionDocument document) : IClassFixture<ProductionDocument>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Redocly_finds_no_error_in_the_Production_document()
    {
        var file = Path.Combine(Path.GetTempPath(), $"portal-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, document.Text, Ct);
        try
        {
            var (exitCode, output, errors) = await RedoclyAsync(file);
            var problems = Problems(output);
            var failures = problems.Where(p => p.Severity == "error").ToList();
            failures.ShouldBeEmpty($"redocly lint (exit {exitCode}):\n{string.Join("\n", failures.Select(p => p.Text))}\n{errors}");
            exitCode.ShouldBe(0, $"redocly lint failed without listing an error:\n{errors}\n{output}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Redocly_fails_a_document_with_an_error_so_the_lint_test_can_fail()
    {
        // Negative control: the document without its security schemes breaks the recommended 'security-defined' rule.
        var broken = document.Json.DeepClone().AsObject();
        broken.Remove("security");
        broken["components"]!.AsObject().Remove("securitySchemes");
        var file = Path.Combine(Path.GetTempPath(), $"portal-openapi-broken-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, broken.ToJsonString(), Ct);
        try
        {
            var (exitCode, output, errors) = await RedoclyAsync(file);
            exitCode.ShouldNotBe(0);
            Problems(output).ShouldContain(p => p.Severity == "error" && p.Rule.Contains("security-defined"), errors);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_Production_document_has_no_development_routes_or_schemes()
    {
        var paths = document.Json["paths"]!.AsObject().Select(p => p.Key).ToList();
        paths.ShouldNotBeEmpty();
        paths.ShouldNotContain(p => p.StartsWith("/dev/", StringComparison.Ordinal), string.Join(", ", paths));
        document.Text.ShouldNotContain("/dev/token");
        document.Json["components"]!["securitySchemes"]!.AsObject().Select(s => s.Key).ShouldBe(["entraId"]);
        document.Json["servers"]!.AsArray().Select(s => s!["url"]!.GetValue<string>()).ShouldBe(["/"], "the origin that serves the document, no host of the test server");
    }

    private sealed record Problem(string Rule, string Severity, string Text);

    private static List<Problem> Problems(string json)
    {
        using var report = JsonDocument.Parse(json);
        return report.RootElement.GetProperty("problems").EnumerateArray().Select(p => new Problem(
            p.GetProperty("ruleId").GetString() ?? "",
            p.GetProperty("severity").GetString() ?? "",
            $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()} at " +
            string.Join(", ", p.GetProperty("location").EnumerateArray().Select(l => l.TryGetProperty("pointer", out var pointer) ? pointer.GetString() : "")))).ToList();
    }

    private static readonly Lazy<bool> Unshare = new(() =>
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("unshare", "--net true") { RedirectStandardError = true, RedirectStandardOutput = true })!;
            probe.WaitForExit(10_000);
            return probe.HasExited && probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no unshare on this machine
        }
    });

    private static bool CanRunWithoutNetwork() => OperatingSystem.IsLinux() && Unshare.Value;

    private static async Task<(int ExitCode, string Output, string Errors)> RedoclyAsync(string file)
    {
        var redocly = Path.Combine(ProductionDocument.RepositoryRoot, "src", "Portal.Web", "node_modules", ".bin", "redocly");
        File.Exists(redocly).ShouldBeTrue($"{redocly} is missing: build src/Portal.Web (its npm ci installs @redocly/cli).");
        // Where the machine allows it (root, as CI runs), the lint runs in a network namespace of its own: proof that it needs no network.
        var offline = CanRunWithoutNetwork();
        var start = new ProcessStartInfo(offline ? "unshare" : redocly)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = ProductionDocument.RepositoryRoot,
        };
        if (offline)
        {
            start.ArgumentList.Add("--net");
            start.ArgumentList.Add(redocly);
        }
        foreach (var argument in new[] { "lint", file, "--format=json", "--config", Path.Combine(ProductionDocument.RepositoryRoot, "redocly.yaml") })
        {
            start.ArgumentList.Add(argument);
        }
        // No telemetry, no update check: the tests run without network.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output, await errors);
    }
}
