using Portal.Infrastructure.Text;
using Shouldly;

namespace Portal.UnitTests.Advisories;

/// <summary>
/// A provider's runbook and updates are rendered for MSPs and customers: whatever the Markdown says, nothing in the HTML may run
/// (script, event handlers, javascript:/data: links, SVG, frames, styles), and the harmless text around it stays readable.
/// </summary>
public sealed class SafeMarkdownTests
{
    private static readonly SafeMarkdown Markdown = new();

    /// <summary>Everything that would make the HTML active, compared in lower case (so mixed-case tricks are caught too).</summary>
    private static readonly string[] Forbidden =
    [
        "<script", "</script", "javascript:", "vbscript:", "data:", "<svg", "<iframe", "<frame", "<object", "<embed", "<style", "style=",
        "<img", "<link", "<meta", "<form", "<base", "srcdoc", "onload", "onerror", "onclick", "onmouseover", "onfocus", "formaction", "xlink:",
    ];

    public static TheoryData<string, string> Payloads => new()
    {
        { "Before <script>alert(1)</script> after", "Before" },
        { "<SCRIPT SRC=//evil.example/x.js></SCRIPT>Keep calm", "Keep calm" },
        { "Step one <img src=x onerror=alert(1)> done", "Step one" },
        { "<div onmouseover=\"alert(1)\">Hover text</div>", "Hover text" },
        { "<p onclick=alert(1)>Click text</p>", "Click text" },
        { "[reboot guide](javascript:alert(1))", "reboot guide" },
        { "[mixed case](JaVaScRiPt:alert(1))", "mixed case" },
        { "[entity encoded](&#106;avascript:alert(1))", "entity encoded" },
        { "[hex entities](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1))", "hex entities" },
        { "[spaced]( javascript:alert(1) )", "spaced" },
        { "[tab inside](java\tscript:alert(1))", "tab inside" },
        { "<a href=\"javascript:alert(1)\">raw link</a>", "raw link" },
        { "[data url](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "data url" },
        { "![pixel](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+) image gone", "image gone" },
        { "<svg onload=alert(1)><circle r=1 /></svg>Vector text", "Vector text" },
        { "<svg><script>alert(1)</script></svg>Inline svg", "Inline svg" },
        { "<iframe src=\"https://evil.example\"></iframe>Framed text", "Framed text" },
        { "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>srcdoc text", "srcdoc text" },
        { "<style>body{display:none}</style>Styled text", "Styled text" },
        { "<span style=\"background:url(javascript:alert(1))\">inline style</span>", "inline style" },
        { "<object data=\"evil.swf\"></object><embed src=\"evil.swf\">Plugin text", "Plugin text" },
        { "<form action=\"https://evil.example\"><button formaction=\"javascript:alert(1)\">Go</button></form>Form text", "Form text" },
        { "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "" },
        { "<a href=\"https://portal.example\" onclick=\"alert(1)\">good link</a>", "good link" },
        { "```html\n<script>alert(1)</script>\n```", "" },
        { "`<img src=x onerror=alert(1)>` in code", "in code" },
        { "<<script>script>alert(1)<</script>/script>Nested", "Nested" },
        { "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">Meta text", "Meta text" },
        { "<base href=\"javascript:alert(1)//\">Base text", "Base text" },
        { "<https://portal.example/?q=\"><script>alert(1)</script>>", "" },
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Nothing_active_survives_and_the_harmless_text_stays(string markdown, string keep)
    {
        var html = Markdown.ToHtml(markdown);

        var active = ActiveParts(html);
        active.ShouldBeEmpty($"{markdown} → {html}");
        html.ShouldContain(keep, Case.Sensitive, $"{markdown} → {html}");
    }

    /// <summary>
    /// The forbidden markers found in the HTML as a browser would read it. Raw HTML in Markdown comes out escaped as text
    /// ("&lt;script&gt;"), which is harmless and expected; the check is on tags and attributes, so escaped text is removed first.
    /// </summary>
    private static List<string> ActiveParts(string html)
    {
        var tagsOnly = System.Text.RegularExpressions.Regex.Matches(html, "<[^>]*>").Select(m => m.Value.ToLowerInvariant()).ToList();
        var hrefs = tagsOnly.SelectMany(t => System.Text.RegularExpressions.Regex.Matches(t, "(?:href|src)\\s*=\\s*\"([^\"]*)\"").Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)));
        var found = Forbidden.Where(f => tagsOnly.Any(t => t.Contains(f, StringComparison.Ordinal))).ToList();
        found.AddRange(hrefs.Where(h => !(h.StartsWith("http://", StringComparison.Ordinal) || h.StartsWith("https://", StringComparison.Ordinal)
            || h.StartsWith("mailto:", StringComparison.Ordinal))).Select(h => $"href={h}"));
        return found;
    }

    [Fact]
    public void Raw_html_comes_out_as_visible_text_never_as_a_tag()
    {
        var html = Markdown.ToHtml("Run <script>alert(1)</script> now");
        html.ShouldNotContain("<script", Case.Insensitive);
        html.ShouldContain("&lt;script&gt;");
        html.ShouldContain("now");
    }

    [Fact]
    public void Ordinary_markdown_keeps_its_shape_and_links_leave_without_a_referrer()
    {
        var html = Markdown.ToHtml("## Fix\n1. Boot to **safe mode**\n2. Delete `C-00000291*.sys`\n\nSee [the guide](https://vendor.example/kb/291).\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        html.ShouldContain("<h2");
        html.ShouldContain("<ol>");
        html.ShouldContain("<strong>safe mode</strong>");
        html.ShouldContain("<code>C-00000291*.sys</code>");
        html.ShouldContain("href=\"https://vendor.example/kb/291\"");
        html.ShouldContain("rel=\"noopener noreferrer nofollow\"");
        html.ShouldContain("<table>");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Nothing_renders_as_nothing(string? markdown) => Markdown.ToHtml(markdown).ShouldBe("");
}
