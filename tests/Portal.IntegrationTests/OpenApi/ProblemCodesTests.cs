using System.Text.RegularExpressions;
using Portal.Infrastructure.OpenApi;

namespace Portal.IntegrationTests.OpenApi;

/// <summary>
/// The <c>code</c> values the published ProblemDetails schema lists (<see cref="ProblemCodes.All"/>) lists every code the code base
/// refuses with: each literal code given to a domain refusal, a device-file refusal or a coded problem in src/ must be in it.
/// </summary>
public sealed partial class ProblemCodesTests(ProductionDocument document) : IClassFixture<ProductionDocument>
{
    // new DomainRuleException("code", …), InvalidValueException("code", …), Refused("code", …), DeviceFileRefusedException(status, "code", …),
    // new(StatusCodes.Status413PayloadTooLarge, "code", …), ["code"] = "code"
    [GeneratedRegex(@"(?:(?:DomainRuleException|InvalidValueException|Refused)\(\s*|(?:DeviceFileRefusedException|new)\(\s*StatusCodes\.\w+,\s*|\[""code""\]\s*=\s*)""(?<code>[a-z0-9_]+)""")]
    private static partial Regex Thrown();

    [Fact]
    public void Every_code_the_code_base_refuses_with_is_in_the_published_enum()
    {
        var source = Path.Combine(ProductionDocument.RepositoryRoot, "src");
        var thrown = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => Thrown().Matches(File.ReadAllText(f)).Select(m => m.Groups["code"].Value))
            // "empty_" + the field's name (Device: the hostname is the one required field)
            .Select(code => code == "empty_" ? "empty_hostname" : code)
            .ToHashSet();
        thrown.Count.ShouldBeGreaterThan(50, "the pattern still finds the refusals");
        thrown.Except(ProblemCodes.All).ShouldBeEmpty("add these to Infrastructure/OpenApi/ProblemCodes.All");

        var published = document.Json["components"]!["schemas"]!["ProblemDetails"]!["properties"]!["code"]!["examples"]!.AsArray().Select(c => c!.GetValue<string>());
        published.ShouldBe(ProblemCodes.All, ignoreOrder: true);
    }
}
