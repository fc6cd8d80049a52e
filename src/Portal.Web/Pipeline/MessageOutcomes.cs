namespace Portal.Pipeline;

public enum MessageOutcome { Ok, Invalid, NotFound, Forbidden, Conflict, Cancelled, Error }

public static class MessageOutcomes
{
    /// <summary>Tag values, indexed by <see cref="MessageOutcome"/>.</summary>
    public static readonly string[] Names = ["ok", "invalid", "not_found", "forbidden", "conflict", "cancelled", "error"];

    /// <summary>The outcome the caller sees: the problem status the exception becomes, so metrics and responses agree.</summary>
    public static MessageOutcome Of(Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested) return MessageOutcome.Cancelled;
        return ProblemDetailsExceptionHandler.ToProblem(exception)?.Status switch
        {
            StatusCodes.Status400BadRequest or StatusCodes.Status422UnprocessableEntity => MessageOutcome.Invalid,
            StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => MessageOutcome.Forbidden,
            StatusCodes.Status404NotFound => MessageOutcome.NotFound,
            StatusCodes.Status409Conflict => MessageOutcome.Conflict,
            _ => MessageOutcome.Error,
        };
    }
}
