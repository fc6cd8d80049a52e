using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;
using Portal.Infrastructure.Http;

namespace Portal.Pipeline;

/// <summary>
/// Every error a user can cause becomes an RFC 7807 problem with a message a person can act on; anything else is a 500
/// without internals. A browser asking for a page is left to the status page in the layout (<see cref="ErrorPages"/>).
/// </summary>
public sealed partial class ProblemDetailsExceptionHandler(IProblemDetailsService problems, ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // The middleware has already pointed the request at the error page; the feature keeps the path that failed.
        var path = httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? httpContext.Request.Path.Value ?? "";
        if (ErrorPages.WantsHtml(httpContext.Request, path)) return false;

        var problem = ToProblem(exception);
        if (problem is null)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, path);
            problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "Something went wrong on our side", Detail = "The error has been logged. Nothing was changed." };
        }
        httpContext.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable) httpContext.Response.Headers.RetryAfter = DatabaseRetryAfterSeconds;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>
    /// A validation failure's key as the client spelled the field: camel case in every part of a nested name
    /// (<c>levels[0].channels[0]</c>, not <c>levels[0].Channels[0]</c>); a header name (<c>If-Match</c>) as it is.
    /// </summary>
    private static string FieldName(string propertyName) => propertyName.Contains('-', StringComparison.Ordinal)
        ? propertyName
        : string.Join('.', propertyName.Split('.').Select(JsonNamingPolicy.CamelCase.ConvertName));

    public static ProblemDetails? ToProblem(Exception exception) => exception switch
    {
        ValidationException v => new HttpValidationProblemDetails(v.Errors
                .GroupBy(e => FieldName(e.PropertyName))
                .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()))
            { Status = StatusCodes.Status400BadRequest, Title = "Some fields are not valid", Detail = "Correct the fields listed in 'errors' and send again." },
        BadHttpRequestException b => BadRequest(b),
        InvalidValueException i => Coded(StatusCodes.Status400BadRequest, "Invalid value", i.Message, i.Code),
        IdempotencyKeyReusedException r => Coded(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key already used", r.Message, IdempotencyKeyReusedException.Code),
        NotFoundException n => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = $"No such {n.What}", Detail = n.Message },
        NotPermittedException f => new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Not allowed", Detail = f.Message },
        NotSignedInException s => new ProblemDetails { Status = StatusCodes.Status401Unauthorized, Title = "Not signed in", Detail = s.Message },
        StaleVersionException s => WithVersion(Coded(StatusCodes.Status409Conflict, "Changed by someone else", s.Message, s.Code), s.Current),
        DomainRuleException d => Coded(StatusCodes.Status409Conflict, "Not possible now", d.Message, d.Code),
        DbUpdateConcurrencyException => Coded(StatusCodes.Status409Conflict, "Changed by someone else",
            "Someone changed this at the same moment. Reload it and try again; nothing of yours was saved.", "stale_version"),
        // Two edits of one incident racing on PostgreSQL/SQL Server: the loser may hit the unique (IncidentId, Sequence)
        // of its timeline entry before the version check; it is the same conflict, not a server error.
        DbUpdateException { InnerException: var inner } when IsTimelineSequenceClash(inner) => Coded(StatusCodes.Status409Conflict, "Changed by someone else",
            "Someone changed this at the same moment. Reload it and try again; nothing of yours was saved.", "stale_version"),
        // The database down, restarting or failing over: a client that retries on 503 should, and one reading "500: a bug" would not.
        _ when DatabaseUnavailable(exception) => Coded(StatusCodes.Status503ServiceUnavailable, "The database is not answering",
            $"Nothing was changed. Try again in {DatabaseRetryAfterSeconds} seconds.", DatabaseUnavailableCode),
        _ => null,
    };

    public const string DatabaseUnavailableCode = "database_unavailable";
    private const string DatabaseRetryAfterSeconds = "5";

    /// <summary>
    /// No connection to the database, or one it dropped: Npgsql's errors below the protocol (a refused or reset socket, a timeout),
    /// PostgreSQL's own "connection exception" class 08 and its shutdown and start-up states (57P01–57P03), SQL Server's transient
    /// errors, SQLite's file that cannot be opened or read. Not a deadlock or a serialization failure: those are write conflicts.
    /// </summary>
    private static bool DatabaseUnavailable(Exception exception) => WriteConflicts.Chain(exception).Any(x => x switch
    {
        Npgsql.PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState is "57P01" or "57P02" or "57P03",
        Npgsql.NpgsqlException n => n.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException || n.IsTransient,
        Microsoft.Data.SqlClient.SqlException s => s.IsTransient,
        Microsoft.Data.Sqlite.SqliteException s => s.SqliteErrorCode is 10 or 14, // SQLITE_IOERR, SQLITE_CANTOPEN
        _ => false,
    });

    private const string TimelineSequenceIndex = "IX_TimelineEntries_IncidentId_Sequence";

    private static bool IsTimelineSequenceClash(Exception? exception) => exception switch
    {
        Npgsql.PostgresException p => p.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation && p.ConstraintName == TimelineSequenceIndex,
        Microsoft.Data.SqlClient.SqlException s => s.Number is 2601 or 2627 && s.Message.Contains(TimelineSequenceIndex, StringComparison.Ordinal),
        Microsoft.Data.Sqlite.SqliteException s => s.SqliteExtendedErrorCode == 2067 && s.Message.Contains("TimelineEntries.IncidentId", StringComparison.Ordinal),
        _ => false,
    };

    public const string UnsupportedMediaTypeTitle = "Send JSON (Content-Type: application/json)";
    public const string UnsupportedMediaTypeDetail = "This address reads a JSON body: send it with Content-Type: application/json.";

    private static ProblemDetails BadRequest(BadHttpRequestException exception)
    {
        var detail = exception.InnerException switch
        {
            _ when exception.StatusCode == StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaTypeDetail,
            // A syntax error (truncated or broken JSON) carries the reader's JsonException inside; a value of the wrong type does not.
            JsonException { InnerException: JsonException } json => $"The body is not valid JSON (line {json.LineNumber + 1}, position {json.BytePositionInLine}).",
            JsonException json when UnknownFieldOf(json) is { } unknown => unknown,
            JsonException { Path: { Length: > 1 } path } json when IsInstant(json) =>
                $"The value at '{path}' is not an instant with its offset: send ISO 8601 with Z or ±hh:mm, such as \"2026-12-20T10:00:00Z\" (a time without one would be read in the server's own zone).",
            JsonException { Path: { Length: > 1 } path } json when NamedValuesOf(json) is { } names => $"The value at '{path}' could not be read: it must be one of {names} (a string, never a number).",
            JsonException { Path: { Length: > 1 } path } => $"The value at '{path}' could not be read. Check its type; named values such as severity and status are strings like \"Sev1\" or \"Investigating\", never numbers.",
            JsonException json => $"The body is not valid JSON (line {json.LineNumber + 1}, position {json.BytePositionInLine}).",
            _ when exception.Message.Contains("no body was provided", StringComparison.OrdinalIgnoreCase) => "A JSON body is required.",
            _ => exception.Message,
        };
        var title = exception.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => "Request too large",
            StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaTypeTitle,
            _ => "The request could not be read",
        };
        return new ProblemDetails { Status = exception.StatusCode, Title = title, Detail = detail };
    }

    /// <summary>
    /// The names a client may send where System.Text.Json refused a value for one of Portal's enums ("Sev9", 1, "Public"). The
    /// serializer's message names the enum itself for an element of a list ("could not be converted to Portal.Domain.Role. Path:
    /// $.roles[0]"), but only the object it was reading for a field ("… to Portal.Features.….Body. Path: $.severity"); then the
    /// property is found on that type by the path's last name. Null for anything that is not one of Portal's enums.
    /// </summary>
    internal static string? NamedValuesOf(JsonException exception)
    {
        if (exception.Path is not { } path || ConvertedTo().Match(exception.Message) is not { Success: true } match) return null;
        var name = match.Groups["type"].Value;
        if (PortalType(name) is not { } type) return null;
        var target = type.IsEnum ? type : FieldType(type, path[(path.LastIndexOf('.') + 1)..]);
        return target is { IsEnum: true } ? string.Join(", ", Enum.GetNames(target)) : null;
    }

    /// <summary>Whether the refused value was for an instant (read as <see cref="NamedValuesOf"/> finds the field).</summary>
    private static bool IsInstant(JsonException exception) =>
        exception.Message.Contains("System.DateTimeOffset", StringComparison.Ordinal)
        || exception.Path is { } path && ConvertedTo().Match(exception.Message) is { Success: true } match
           && PortalType(match.Groups["type"].Value) is { } type
           && FieldType(type, path[(path.LastIndexOf('.') + 1)..]) == typeof(DateTimeOffset);

    /// <summary>One of Portal's types (the web project's or the domain's) by the full name the serializer's message gives.</summary>
    private static Type? PortalType(string name) => typeof(ProblemDetailsExceptionHandler).Assembly.GetType(name) ?? typeof(Incident).Assembly.GetType(name);

    private static Type? FieldType(Type type, string name) =>
        type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType is { } field
            ? Nullable.GetUnderlyingType(field) ?? field
            : null;

    [GeneratedRegex(@"could not be converted to (?<type>Portal\.[\w.+]+)\. Path:")]
    private static partial Regex ConvertedTo();

    /// <summary>
    /// A field the body's type does not have (the serializer refuses them: <c>UnmappedMemberHandling.Disallow</c>), with the fields it
    /// has, named as JSON names them. Null for any other error.
    /// </summary>
    internal static string? UnknownFieldOf(JsonException exception)
    {
        if (UnmappedField().Match(exception.Message) is not { Success: true } match) return null;
        var fields = PortalType(match.Groups["type"].Value)?
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>() is null)
            .Select(p => p.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .ToList();
        var at = exception.Path is { Length: > 1 } path ? $" (at '{path}')" : "";
        var known = fields is { Count: > 0 } ? $" It reads: {string.Join(", ", fields)}." : "";
        return $"The body has a field this address does not read: '{match.Groups["field"].Value}'{at}.{known} Check the spelling: an unknown field is refused, not ignored.";
    }

    [GeneratedRegex(@"The JSON property '(?<field>.*)' could not be mapped to any \.NET member contained in type '(?<type>[^']+)'")]
    private static partial Regex UnmappedField();

    private static ProblemDetails Coded(int status, string title, string detail, string code)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        problem.Extensions["code"] = code;
        return problem;
    }

    private static ProblemDetails WithVersion(ProblemDetails problem, long current)
    {
        problem.Extensions["currentVersion"] = current;
        return problem;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
