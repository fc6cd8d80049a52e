namespace Portal.Features;

/// <summary>A message shown at the top of a page: what went wrong (or right) and what to do now.</summary>
public sealed record Banner(string Title, string? Detail, bool IsError);
