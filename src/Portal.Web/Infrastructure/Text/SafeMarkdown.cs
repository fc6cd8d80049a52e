using Ganss.Xss;
using Markdig;
using Microsoft.AspNetCore.Html;

namespace Portal.Infrastructure.Text;

/// <summary>
/// Markdown written by one organisation and read by others (a provider's runbook and updates) rendered to HTML that cannot
/// run anything: Markdig with raw HTML disabled (HTML in the text comes out as text), then an allow-list sanitizer over the
/// result as a second wall (links only to http, https and mailto; no script, style, event handlers, SVG or frames).
/// Thread-safe; one instance for the process.
/// </summary>
public sealed class SafeMarkdown
{
    private readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseAutoLinks()
        .UseEmphasisExtras()
        .UseTaskLists()
        .Build();

    private readonly HtmlSanitizer _sanitizer = CreateSanitizer();

    public string ToHtml(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown)) return "";
        return _sanitizer.Sanitize(Markdown.ToHtml(markdown, _pipeline));
    }

    public IHtmlContent Render(string? markdown) => new HtmlString(ToHtml(markdown));

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Clear();
        foreach (var scheme in new[] { "http", "https", "mailto" }) sanitizer.AllowedSchemes.Add(scheme);
        sanitizer.AllowedTags.Clear();
        foreach (var tag in new[] { "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "ins", "mark", "sub", "sup", "code", "pre",
                     "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "input" })
            sanitizer.AllowedTags.Add(tag);
        sanitizer.AllowedAttributes.Clear();
        foreach (var attribute in new[] { "href", "title", "type", "checked", "disabled", "align", "start" }) sanitizer.AllowedAttributes.Add(attribute);
        sanitizer.AllowedCssProperties.Clear();
        sanitizer.AllowDataAttributes = false;
        // Links leave Portal without our referrer and cannot reach back into the opener.
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { TagName: "A" } link)
            {
                link.SetAttribute("rel", "noopener noreferrer nofollow");
            }
            if (e.Node is AngleSharp.Dom.IElement { TagName: "INPUT" } input && input.GetAttribute("type") != "checkbox") input.Remove();
        };
        sanitizer.AllowedAttributes.Add("rel");
        return sanitizer;
    }
}
