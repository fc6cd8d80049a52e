namespace Portal.Domain;

/// <summary>The content of an advisory as it was at one revision: edits keep history.</summary>
public sealed class AdvisoryRevision
{
    private AdvisoryRevision() { Title = ""; Impact = ""; Regions = ""; ServiceIds = ""; AuthorName = ""; }

    public AdvisoryRevision(Advisory advisory, Guid authorId, string authorName, DateTimeOffset at)
    {
        Id = Guid.CreateVersion7(at);
        AdvisoryId = advisory.Id;
        Number = advisory.Revision;
        Title = advisory.Title;
        Severity = advisory.Severity;
        Impact = advisory.Impact;
        Runbook = advisory.Runbook;
        Regions = advisory.Regions;
        ServiceIds = string.Join(',', advisory.Services.Select(s => s.ServiceId).Order());
        AuthorId = authorId;
        AuthorName = authorName;
        At = at;
    }

    public Guid Id { get; private set; }
    public Guid AdvisoryId { get; private set; }
    public int Number { get; private set; }
    public string Title { get; private set; }
    public Severity Severity { get; private set; }
    public string Impact { get; private set; }
    public string? Runbook { get; private set; }
    public string Regions { get; private set; }

    /// <summary>The affected services at this revision, comma-separated ids.</summary>
    public string ServiceIds { get; private set; }
    public Guid AuthorId { get; private set; }
    public string AuthorName { get; private set; }
    public DateTimeOffset At { get; private set; }
}
