using System.Reflection;
using Xunit.Sdk;
using Xunit.v3;

namespace Portal.EndToEndTests;

/// <summary>
/// Fails any test during which a browser reported something blocked by the Content-Security-Policy (a script, a style,
/// a connection, an eval): the pages must work with the policy enforced. <see cref="PortalApp"/> records the reports for
/// every browser context it opens; this runs after each test, for the whole assembly.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class NoContentSecurityPolicyViolationsAttribute : BeforeAfterTestAttribute
{
    public override void After(MethodInfo methodUnderTest, IXunitTest test)
    {
        var violations = PortalApp.TakeCspViolations(test.UniqueID);
        if (violations.Count > 0)
            throw new XunitException($"The browser reported {violations.Count} Content-Security-Policy violation(s):\n{string.Join("\n", violations)}");
    }
}
