using System.Reflection;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Portal.Pipeline;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// Which Mediator message an API operation sends, so that the document can say what the message's rules say (its permission,
/// its validator). The rule: the operation's name (WithName) is the message's type name; a route whose name differs says so
/// with <see cref="SendsAttribute"/>.
/// </summary>
public sealed class OpenApiMessages(IApiDescriptionGroupCollectionProvider descriptions)
{
    private static readonly Dictionary<string, Type> ByName = typeof(OpenApiMessages).Assembly.GetTypes()
        .Where(t => t.IsClass && typeof(Mediator.IMessage).IsAssignableFrom(t)
            && (t.GetCustomAttribute<RequiresAttribute>() is not null || t.GetCustomAttribute<AnySignedInUserAttribute>() is not null))
        .GroupBy(t => t.Name)
        .ToDictionary(g => g.Key, g => g.First());

    private Dictionary<Type, Type[]>? _bodies;
    private HashSet<Type>? _requestOnly;

    public static Type? MessageOf(ApiDescription description)
    {
        var metadata = description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<SendsAttribute>().FirstOrDefault() is { } sends) return sends.Message;
        var name = metadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName;
        return name is not null && ByName.TryGetValue(name, out var type) ? type : null;
    }

    /// <summary>The messages a request body type is turned into (one body record may serve a create and an update).</summary>
    public IReadOnlyList<Type> MessagesForBody(Type body)
    {
        _bodies ??= descriptions.ApiDescriptionGroups.Items.SelectMany(g => g.Items)
            .SelectMany(d => d.ParameterDescriptions.Where(p => p.Source == BindingSource.Body).Select(p => (Body: p.Type, Message: MessageOf(d))))
            .Where(x => x.Message is not null)
            .GroupBy(x => x.Body)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Message!).Distinct().ToArray());
        return _bodies.TryGetValue(Nullable.GetUnderlyingType(body) ?? body, out var messages) ? messages : [];
    }

    /// <summary>
    /// Whether a type is only ever sent (a body record or a type inside one) and never answered. Its properties are required only
    /// where a validator says so: the JSON reader fills a missing member with its default, whatever the generator infers from a
    /// positional record's constructor.
    /// </summary>
    public bool IsRequestOnly(Type type)
    {
        if (_requestOnly is null)
        {
            var all = descriptions.ApiDescriptionGroups.Items.SelectMany(g => g.Items).ToList();
            var sent = Reach(all.SelectMany(d => d.ParameterDescriptions.Where(p => p.Source == BindingSource.Body).Select(p => p.Type)));
            var answered = Reach(all.SelectMany(d => d.SupportedResponseTypes.Select(r => r.Type)).OfType<Type>());
            sent.ExceptWith(answered);
            _requestOnly = sent;
        }
        return _requestOnly.Contains(Nullable.GetUnderlyingType(type) ?? type);
    }

    /// <summary>The types and, through public properties and collection items, the types inside them (Portal's own only).</summary>
    private static HashSet<Type> Reach(IEnumerable<Type> roots)
    {
        var found = new HashSet<Type>();
        var pending = new Stack<Type>(roots);
        while (pending.Count > 0)
        {
            var type = pending.Pop();
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type.IsArray) { pending.Push(type.GetElementType()!); continue; }
            if (type.IsGenericType) { foreach (var argument in type.GetGenericArguments()) pending.Push(argument); }
            if (type.Assembly != typeof(OpenApiMessages).Assembly && type.Assembly != typeof(Portal.Domain.Role).Assembly) continue;
            if (!found.Add(type)) continue;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)) pending.Push(property.PropertyType);
        }
        return found;
    }
}
