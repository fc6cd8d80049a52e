using FluentValidation;
using Portal.Domain;

namespace Portal.Infrastructure.Text;

/// <summary>The entities' rule for free text (<see cref="PlainText"/>) at the edge: a 400 that names the field, before any work.</summary>
public static class PlainTextRule
{
    public static IRuleBuilderOptions<T, string?> IsPlainText<T>(this IRuleBuilder<T, string?> rule, string what, bool multiline = true) =>
        // Trimmed first, as the entities read it: a stray character at either end is trimmed away, not refused.
        rule.Must(text => PlainText.IsPlain(text?.Trim(), multiline)).WithMessage(PlainText.Refusal(what))
            // Empty is each field's own rule (required, or "empty removes it"); text that shows nothing is never meant.
            .Must(text => string.IsNullOrWhiteSpace(text) || PlainText.HasVisibleCharacter(text)).WithMessage(PlainText.Invisible(what));
}
