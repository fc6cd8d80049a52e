using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Portal.Infrastructure.OpenApi;

/// <summary>The optimistic-concurrency request header, as the routes bind it (<c>[FromHeader(Name = "If-Match")]</c>).</summary>
public static class IfMatchHeader
{
    public const string Name = "If-Match";

    public static bool IsReadBy(ApiDescription description) =>
        description.ParameterDescriptions.Any(p => p.Source == BindingSource.Header && string.Equals(p.Name, Name, StringComparison.OrdinalIgnoreCase));
}
