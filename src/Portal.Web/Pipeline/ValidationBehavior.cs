using FluentValidation;
using Mediator;

namespace Portal.Pipeline;

/// <summary>Runs the message's FluentValidation validators before anything else; failures become a 400 listing the fields.</summary>
public sealed class ValidationBehavior<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        List<FluentValidation.Results.ValidationFailure>? failures = null;
        foreach (var validator in validators)
        {
            var result = await validator.ValidateAsync(message, cancellationToken);
            if (!result.IsValid) (failures ??= []).AddRange(result.Errors);
        }
        if (failures is not null) throw new ValidationException(failures);
        return await next(message, cancellationToken);
    }
}
