using System.Security.Cryptography;
using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Http;

namespace Portal.Pipeline;

/// <summary>
/// A command that creates something (an incident, a note, a task, an advisory): sent again with the same <c>Idempotency-Key</c>,
/// it answers what it answered the first time instead of creating a second one. An RMM tool or a script retrying after a timeout
/// must not open two incidents. Retried on conflict: two copies of one request racing on PostgreSQL meet at the record's unique
/// key, and the loser's re-run finds the winner's record.
/// </summary>
public interface IIdempotentCommand : IRetriedOnConflict;

/// <summary>
/// Inside the command's transaction, after the access check: the caller's earlier record for the key answers a repeat (the same
/// command with the same content) and refuses anything else under that key (422 <c>idempotency_key_reused</c>); a first request
/// runs and its answer is recorded in the same transaction, so the record exists exactly when the command's changes do. A record
/// older than <see cref="IdempotencyRecord.KeptFor"/> no longer counts (<see cref="Infrastructure.Jobs.IdempotencyRetention"/> deletes it).
/// </summary>
public sealed class IdempotencyBehavior<TMessage, TResponse>(PortalDbContext db, CurrentUser currentUser, IdempotencyKeyHeader header, TimeProvider clock,
    IOptions<JsonOptions> json) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IBaseCommand, IIdempotentCommand
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (header.Read() is not { } key) return await next(message, cancellationToken);
        var options = json.Value.SerializerOptions;
        var userId = currentUser.Required.UserId;
        var command = typeof(TMessage).Name;
        var requestHash = Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(message, options)));
        var now = clock.GetUtcNow();

        var earlier = await db.IdempotencyRecords.SingleOrDefaultAsync(r => r.UserId == userId && r.Key == key, cancellationToken);
        if (earlier is not null && earlier.CreatedAt > now - IdempotencyRecord.KeptFor)
        {
            if (!earlier.SameRequestAs(command, requestHash))
                throw new IdempotencyKeyReusedException("This Idempotency-Key was sent before with another request. Send a new key for a new request; " +
                                                        "send the same request again to get its first answer.");
            header.MarkReplayed();
            return JsonSerializer.Deserialize<TResponse>(earlier.Response, options)
                   ?? throw new InvalidOperationException($"The recorded answer of {command} could not be read back.");
        }
        if (earlier is not null) db.IdempotencyRecords.Remove(earlier); // expired: the key starts afresh, saved with the handler's changes

        var response = await next(message, cancellationToken);
        db.IdempotencyRecords.Add(new IdempotencyRecord(userId, key, command, requestHash, JsonSerializer.Serialize(response, options), now));
        await db.SaveChangesAsync(cancellationToken);
        return response;
    }
}
