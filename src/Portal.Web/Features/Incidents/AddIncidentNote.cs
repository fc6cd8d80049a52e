using FluentValidation;
using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>
/// Write on the timeline: the MSP writes internal notes (never shown to the customer) or customer updates;
/// the customer writes customer-visible comments. The entity decides who may write what.
/// </summary>
[Requires(Permission.CommentOnIncidents)]
public sealed record AddIncidentNote(Guid IncidentId, string? Text, NoteVisibility? Visibility) : ICommand<TimelineEntryView>, IIncidentRequest, IIdempotentCommand;

public sealed class AddIncidentNoteValidator : AbstractValidator<AddIncidentNote>
{
    public AddIncidentNoteValidator()
    {
        RuleFor(c => c.Text).NotEmpty().WithMessage("The note needs some text.")
            .MaximumLength(TimelineEntry.TextMaxLength).WithMessage($"A note may be at most {TimelineEntry.TextMaxLength} characters.")
            .IsPlainText("note");
        RuleFor(c => c.Visibility).NotNull().WithMessage("Say who may read the note: Internal (your MSP only) or Customer.")
            .IsInEnum().WithMessage("Visibility must be Internal or Customer.");
    }
}

public sealed class AddIncidentNoteHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<AddIncidentNote, TimelineEntryView>
{
    public async ValueTask<TimelineEntryView> Handle(AddIncidentNote command, CancellationToken cancellationToken)
    {
        var incident = await db.LoadForChangeAsync(command.IncidentId, expectedVersion: null, cancellationToken);
        var actor = currentUser.Required.ActorIn(incident.TenantId);
        var entry = incident.AddNote(command.Text!, command.Visibility!.Value, actor, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return TimelineEntryView.For(entry, actor.Access);
    }
}
