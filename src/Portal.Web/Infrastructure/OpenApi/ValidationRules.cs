using System.Globalization;
using FluentValidation;
using FluentValidation.Validators;

namespace Portal.Infrastructure.OpenApi;

/// <summary>What a message's FluentValidation validators demand of one member, read from their descriptors (the one source of truth).</summary>
public sealed record FieldRules(string Name, Type? ValueType, bool Required, bool NotEmpty, int? MinLength, int? MaxLength, decimal? Minimum, decimal? ExclusiveMinimum,
    decimal? Maximum, decimal? ExclusiveMaximum, string? Pattern, string? Format, bool InEnum, bool ForEachItem);

public static class ValidationRules
{
    /// <summary>
    /// The rules of every validator registered for <paramref name="message"/>, by member name (the name errors are reported under, so
    /// OverridePropertyName("q") is "q"). Only unconditional rules count: a rule under When/Unless promises nothing in general.
    /// </summary>
    public static IReadOnlyDictionary<string, FieldRules> Of(IServiceProvider services, Type message)
    {
        var fields = new Dictionary<string, FieldRules>(StringComparer.OrdinalIgnoreCase);
        foreach (var validator in services.GetServices(typeof(IValidator<>).MakeGenericType(message)).OfType<IValidator>())
        {
            var descriptor = validator.CreateDescriptor();
            foreach (var member in descriptor.GetMembersWithValidators().Select(g => g.Key).Where(k => !string.IsNullOrEmpty(k)))
            {
                foreach (var rule in descriptor.GetRulesForMember(member).Where(r => !r.HasCondition && !r.HasAsyncCondition))
                {
                    var forEach = rule.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollectionRule<,>));
                    var name = rule.PropertyName ?? member;
                    var field = fields.TryGetValue(name, out var known) ? known
                        : new FieldRules(name, (rule.Member as System.Reflection.PropertyInfo)?.PropertyType, false, false, null, null, null, null, null, null, null, null, false, forEach);
                    foreach (var component in rule.Components.Where(c => !c.HasCondition && !c.HasAsyncCondition))
                    {
                        field = Apply(field, component.Validator);
                    }
                    fields[name] = field;
                }
            }
        }
        return fields;
    }

    private static FieldRules Apply(FieldRules field, IPropertyValidator validator) => validator switch
    {
        INotNullValidator => field with { Required = !field.ForEachItem || field.Required },
        INotEmptyValidator => field with { Required = !field.ForEachItem || field.Required, NotEmpty = true },
        ILengthValidator length => field with
        {
            MinLength = length.Min > 0 ? Math.Max(length.Min, field.MinLength ?? 0) : field.MinLength,
            MaxLength = length.Max is > 0 and < int.MaxValue ? Math.Min(length.Max, field.MaxLength ?? int.MaxValue) : field.MaxLength,
        },
        IBetweenValidator between when validator is IInclusiveBetweenValidator => field with { Minimum = Number(between.From), Maximum = Number(between.To) },
        IBetweenValidator between => field with { ExclusiveMinimum = Number(between.From), ExclusiveMaximum = Number(between.To) },
        IComparisonValidator { MemberToCompare: null } comparison => comparison.Comparison switch
        {
            Comparison.GreaterThanOrEqual => field with { Minimum = Number(comparison.ValueToCompare) },
            Comparison.GreaterThan => field with { ExclusiveMinimum = Number(comparison.ValueToCompare) },
            Comparison.LessThanOrEqual => field with { Maximum = Number(comparison.ValueToCompare) },
            Comparison.LessThan => field with { ExclusiveMaximum = Number(comparison.ValueToCompare) },
            _ => field,
        },
        IRegularExpressionValidator regex => field with { Pattern = regex.Expression },
        IEmailValidator => field with { Format = "email" },
        IEnumValidator => field with { InEnum = true },
        _ => field,
    };

    private static decimal? Number(object? value) => value switch
    {
        int or long or short or byte or decimal or double or float => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
        _ => null,
    };
}
