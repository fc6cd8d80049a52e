using System.Globalization;
using System.ServiceModel.Syndication;
using System.Text;
using System.Xml;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Text;

namespace Portal.Features.Advisories;

/// <summary>
/// The public Atom feed of one provider's advisories: what a status page would say, for anyone (public by design, no sign-in).
/// Each advisory is an entry with its title, status, severity, services, regions, impact and every update; nothing about whom it
/// targets. It is read in a database scope of its own that is granted exactly what a member of that provider sees of its
/// advisories (the query filters then hide every target, incident and tenant), whoever is or is not signed in; no filter is
/// bypassed. Not a Mediator message: there is no user to check, and the scope above is the whole access rule.
/// </summary>
public sealed class AdvisoryFeed(IServiceScopeFactory scopes, SafeMarkdown markdown)
{
    /// <summary>The newest advisories (by last change) an entry is written for.</summary>
    public const int MaxEntries = 100;

    public const string ContentType = "application/atom+xml; charset=utf-8";

    /// <summary>Short: updates should reach readers within a minute, and caches may serve it meanwhile.</summary>
    public const string CacheControl = "public, max-age=60";

    public async Task<IResult> AnswerAsync(Guid providerId, HttpContext http, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().Grant([], [], [providerId]);
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();

        var provider = await db.Organisations.AsNoTracking().Where(o => o.Id == providerId && o.Kind == OrganisationKind.Provider)
                           .Select(o => new { o.Id, o.Name }).SingleOrDefaultAsync(ct)
                       ?? throw new NotFoundException("provider", providerId);

        // The validator first (cheap): the number of advisories and the newest change. An edit or an update moves UpdatedAt,
        // a new advisory the count; either changes the ETag.
        var advisories = db.Advisories.AsNoTracking().Where(a => a.ProviderId == providerId);
        var changes = await advisories.Select(a => a.UpdatedAt).ToListAsync(ct);
        var etag = ETagOf(changes.Count, changes.Count == 0 ? null : changes.Max());
        http.Response.Headers.ETag = etag;
        http.Response.Headers.CacheControl = CacheControl;
        if (NotModified(http.Request, etag)) return Results.StatusCode(StatusCodes.Status304NotModified);

        var rows = await advisories.Include(a => a.Services).OrderByDescending(a => a.UpdatedAt).ThenByDescending(a => a.Id).Take(MaxEntries).ToListAsync(ct);
        var ids = rows.Select(a => a.Id).ToList();
        var updates = (await db.AdvisoryUpdates.AsNoTracking().Where(u => ids.Contains(u.AdvisoryId)).ToListAsync(ct))
            .ToLookup(u => u.AdvisoryId);
        var serviceIds = rows.SelectMany(a => a.Services.Select(s => s.ServiceId)).Distinct().ToList();
        var serviceNames = await db.Services.AsNoTracking().Where(s => serviceIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.Name, ct);

        var self = new Uri($"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{http.Request.Path}");
        var name = XmlText(provider.Name);
        var feed = new SyndicationFeed($"{name} advisories", $"Advisories published by {name} through Portal.", null,
            $"urn:uuid:{provider.Id}", changes.Count == 0 ? DateTimeOffset.UnixEpoch : changes.Max());
        feed.Links.Add(SyndicationLink.CreateSelfLink(self, "application/atom+xml"));
        feed.Authors.Add(new SyndicationPerson { Name = name });
        feed.Generator = "Portal";
        var entries = new List<SyndicationItem>(rows.Count);
        foreach (var advisory in rows)
        {
            var services = advisory.Services.Select(s => serviceNames.GetValueOrDefault(s.ServiceId, "")).Where(n => n.Length > 0).Order().ToList();
            var entry = new SyndicationItem
            {
                Id = $"urn:uuid:{advisory.Id}",
                Title = new TextSyndicationContent(XmlText($"[{advisory.Status}] {advisory.Title}")),
                Summary = new TextSyndicationContent(XmlText(advisory.Impact)),
                Content = new TextSyndicationContent(XmlText(ContentOf(advisory, services, updates[advisory.Id].OrderByDescending(u => u.Number))), TextSyndicationContentKind.Html),
                PublishDate = advisory.PublishedAt,
                LastUpdatedTime = advisory.UpdatedAt,
            };
            entry.Categories.Add(new SyndicationCategory(advisory.Severity.ToString(), "urn:portal:advisory:severity", $"Severity {advisory.Severity}"));
            entry.Categories.Add(new SyndicationCategory(advisory.Status.ToString(), "urn:portal:advisory:status", $"Status {advisory.Status}"));
            entries.Add(entry);
        }
        feed.Items = entries;

        return Results.Bytes(Write(feed), ContentType);
    }

    /// <summary>The entry's content as HTML: the facts, the impact as text, and every update (Markdown rendered safely), newest first.</summary>
    private string ContentOf(Advisory advisory, List<string> services, IEnumerable<AdvisoryUpdate> updates)
    {
        static string E(string text) => System.Net.WebUtility.HtmlEncode(text);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<p><strong>Status:</strong> {E(advisory.Status.ToString())} · <strong>Severity:</strong> {E(advisory.Severity.ToString())}</p>");
        if (services.Count > 0) html.Append(CultureInfo.InvariantCulture, $"<p><strong>Services:</strong> {E(string.Join(", ", services))}</p>");
        html.Append(CultureInfo.InvariantCulture, $"<p><strong>Regions:</strong> {E(advisory.RegionList.Count == 0 ? "all regions" : string.Join(", ", advisory.RegionList))}</p>");
        html.Append(CultureInfo.InvariantCulture, $"<h3>Impact</h3><p>{E(advisory.Impact)}</p>");
        html.Append("<h3>Updates</h3>");
        foreach (var update in updates)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h4>{E(update.At.UtcDateTime.ToString("u", CultureInfo.InvariantCulture))} · {E(update.Status.ToString())}</h4>");
            html.Append(markdown.ToHtml(update.Text));
        }
        return html.ToString();
    }

    /// <summary>
    /// The text without the characters XML cannot carry. The entities refuse them now (<see cref="PlainText"/>), but text saved
    /// before they did may hold one, and one such character made the XML writer throw: the provider's whole feed answered 500.
    /// </summary>
    internal static string XmlText(string text)
    {
        if (PlainText.IsPlain(text)) return text;
        var kept = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i])) kept.Append(text, i++, 2);
            else if (XmlConvert.IsXmlChar(text[i])) kept.Append(text[i]);
        }
        return kept.ToString();
    }

    private static byte[] Write(SyndicationFeed feed)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false }))
        {
            new Atom10FeedFormatter(feed).WriteTo(writer);
        }
        return buffer.ToArray();
    }

    public static string ETagOf(int count, DateTimeOffset? newest) =>
        $"\"{count.ToString(CultureInfo.InvariantCulture)}-{(newest?.UtcTicks ?? 0).ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>RFC 9110 13.1.2: If-None-Match is false when it is * or lists the current ETag under weak comparison.</summary>
    private static bool NotModified(HttpRequest request, string etag) =>
        request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } tags && EntityTagHeaderValue.TryParse(etag, out var current)
        && tags.Any(tag => tag.Tag == EntityTagHeaderValue.Any.Tag || tag.Compare(current, useStrongComparison: false));
}
