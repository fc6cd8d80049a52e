using System.Reflection;
using Xunit.v3;

namespace Portal.EndToEndTests;

/// <summary>
/// Closes the browser contexts a test opened once it has finished, for the whole assembly. Left open, every page the run
/// ever showed stayed live in the one Chromium: each kept its SignalR connection and refetched its live regions on every
/// change, so by the end of the run dozens of renderers answered each event and the suite ran three times slower, with
/// its "appears within seconds" checks failing on a busy machine.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class CloseBrowserContextsAttribute : BeforeAfterTestAttribute
{
    public override void After(MethodInfo methodUnderTest, IXunitTest test) => PortalApp.CloseContextsOf(test.UniqueID);
}
