using System.Text.RegularExpressions;
using Portal.Domain;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>
/// Names that say what is inside, checked on the sources: a public type of more than a few lines lives in a file named after
/// it, so that nobody has to guess that one file holds another's middleware or relay. Two kinds of file hold several on
/// purpose: a use case (its message with its handler and validator, and the records it answers with: the house style) and a
/// feature's views (records the messages answer with); a page's model sits in its page's code-behind. And every exception a user can cause is in one place.
/// </summary>
public sealed partial class SourceLayoutTests
{
    /// <summary>"A few lines": non-blank lines that are not comments, from the declaration to the next type.</summary>
    private const int FewLines = 12;

    [GeneratedRegex(@"^(public|internal) (?:(?:sealed|static|abstract|partial|readonly) )*(?:class|record struct|record|interface|enum|struct) (\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    private sealed record Declared(string File, string Name, bool IsPublic, bool IsRecord, int Lines, bool InUseCase = false);

    private static IEnumerable<Declared> DeclaredTypes()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Portal.sln"))) root = root.Parent;
        var src = Path.Combine(root.ShouldNotBeNull("the repository root (Portal.sln) above the test's folder").FullName, "src");
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(src, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin" || part.StartsWith("Portal.Migrations.", StringComparison.Ordinal))) continue;
            var lines = File.ReadAllLines(file);
            var starts = lines.Select((line, index) => (Match: TopLevelType().Match(line), Index: index)).Where(m => m.Match.Success).ToList();
            var useCase = starts.Any(s => s.Match.Groups[2].Value.EndsWith("Handler", StringComparison.Ordinal));
            for (var i = 0; i < starts.Count; i++)
            {
                var end = i + 1 < starts.Count ? starts[i + 1].Index : lines.Length;
                var body = lines[starts[i].Index..end].Count(l => l.Trim() is { Length: > 0 } t && !t.StartsWith("//", StringComparison.Ordinal));
                var match = starts[i].Match;
                yield return new Declared(relative, match.Groups[2].Value, match.Groups[1].Value == "public", match.Value.Contains(" record", StringComparison.Ordinal), body, useCase);
            }
        }
    }

    private static bool Belongs(Declared type)
    {
        var file = Path.GetFileName(type.File);
        var baseName = file.EndsWith(".cshtml.cs", StringComparison.Ordinal) ? file[..^".cshtml.cs".Length] : Path.GetFileNameWithoutExtension(file);
        return type.Name == baseName
               || type.Name.EndsWith("Handler", StringComparison.Ordinal) || type.Name.EndsWith("Validator", StringComparison.Ordinal)
               || (type.IsRecord && (type.InUseCase || baseName.EndsWith("Views", StringComparison.Ordinal) || baseName.EndsWith("View", StringComparison.Ordinal)))
               || (file.EndsWith(".cshtml.cs", StringComparison.Ordinal) && type.Name == baseName + "Model");
    }

    [Fact]
    public void A_public_type_of_more_than_a_few_lines_lives_in_a_file_named_after_it()
    {
        var types = DeclaredTypes().ToList();
        types.Count.ShouldBeGreaterThan(300, "the sources were found and read");
        types.ShouldContain(t => t.Name == "TransactionBehavior" && t.File.EndsWith("TransactionBehavior.cs", StringComparison.Ordinal));

        var misplaced = types.Where(t => t.IsPublic && t.Lines > FewLines && !Belongs(t)).Select(t => $"{t.Name} ({t.Lines} lines) in {t.File}").ToList();
        misplaced.ShouldBeEmpty();
    }

    [Fact]
    public void The_check_finds_a_type_hidden_in_another_types_file()
    {
        // The rule itself, on the case the structure review found: a relay of 124 lines in AccessRevocation.cs.
        Belongs(new Declared(Path.Combine("Portal.Web", "Infrastructure", "Auth", "AccessRevocation.cs"), "RevocationRelay", true, false, 124)).ShouldBeFalse();
        Belongs(new Declared(Path.Combine("Portal.Web", "Features", "Incidents", "AddIncidentNote.cs"), "AddIncidentNoteHandler", true, false, 20)).ShouldBeTrue();
        Belongs(new Declared(Path.Combine("Portal.Web", "Features", "Incidents", "Triage.cshtml.cs"), "TriageModel", true, false, 100)).ShouldBeTrue();
    }

    [Fact]
    public void Every_exception_is_declared_with_the_others()
    {
        var exceptions = new[] { typeof(Program).Assembly, typeof(DomainRuleException).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(Exception).IsAssignableFrom(t) && !t.IsNested)
            .ToList();
        exceptions.ShouldContain(typeof(NotFoundException));
        exceptions.Where(t => t.Namespace != typeof(DomainRuleException).Namespace).Select(t => t.FullName).ShouldBeEmpty();
        DeclaredTypes().Where(t => t.Name.EndsWith("Exception", StringComparison.Ordinal))
            .Select(t => t.File).Distinct().ShouldBe([Path.Combine("Portal.Data", "Domain", "Exceptions.cs")]);
    }
}
