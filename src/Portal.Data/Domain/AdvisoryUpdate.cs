namespace Portal.Domain;

/// <summary>An update posted to an advisory: its status from then on and what was said. Never edited.</summary>
public sealed class AdvisoryUpdate
{
    private AdvisoryUpdate() { Text = ""; AuthorName = ""; }

    public AdvisoryUpdate(Guid id, Guid advisoryId, int number, AdvisoryStatus status, string text, Guid authorId, string authorName, DateTimeOffset at)
    {
        Id = id;
        AdvisoryId = advisoryId;
        Number = number;
        Status = status;
        Text = text;
        AuthorId = authorId;
        AuthorName = authorName;
        At = at;
    }

    public Guid Id { get; private set; }
    public Guid AdvisoryId { get; private set; }

    /// <summary>1 for the publication, then 2, 3 … in order.</summary>
    public int Number { get; private set; }
    public AdvisoryStatus Status { get; private set; }

    /// <summary>Markdown, rendered safely.</summary>
    public string Text { get; private set; }
    public Guid AuthorId { get; private set; }
    public string AuthorName { get; private set; }
    public DateTimeOffset At { get; private set; }
}
