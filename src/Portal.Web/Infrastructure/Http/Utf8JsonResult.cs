namespace Portal.Infrastructure.Http;

/// <summary>
/// JSON already serialized (a cached snapshot), written as it is. <c>Results.Bytes</c> is a file result: on every call it
/// evaluates range and precondition headers and allocates for them, which a cached read answered in microseconds notices;
/// its caller checks If-None-Match itself.
/// </summary>
public sealed class Utf8JsonResult(byte[] json) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.ContentType = "application/json";
        response.ContentLength = json.Length;
        var write = response.BodyWriter.WriteAsync(json);
        return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
    }
}
