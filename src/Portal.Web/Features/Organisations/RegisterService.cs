using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

/// <summary>
/// A provider's publisher registers one of its products or cloud services: customers (and their MSPs) can then declare that
/// they use it, and the provider's advisories can name it. A provider without a service cannot publish at all: an advisory
/// targets through its services.
/// </summary>
[Requires(Permission.PublishAdvisories)]
public sealed record RegisterService(Guid ProviderId, string? Name, ServiceKind? Kind) : ICommand<ProviderServiceView>, IProviderRequest;

public sealed class RegisterServiceValidator : AbstractValidator<RegisterService>
{
    public RegisterServiceValidator()
    {
        RuleFor(c => c.Name).NotEmpty().WithMessage("Name the service, as customers know it.")
            .MaximumLength(Service.NameMaxLength).WithMessage($"A service name may be at most {Service.NameMaxLength} characters.")
            .IsPlainText("service name", multiline: false);
        RuleFor(c => c.Kind).NotNull().WithMessage("Say what kind of service it is: SoftwareProduct or CloudService.")
            .IsInEnum().WithMessage("The kind must be SoftwareProduct or CloudService.");
    }
}

public sealed class RegisterServiceHandler(PortalDbContext db, CurrentUser currentUser, AuditLog auditLog, TimeProvider clock)
    : ICommandHandler<RegisterService, ProviderServiceView>
{
    public async ValueTask<ProviderServiceView> Handle(RegisterService command, CancellationToken cancellationToken)
    {
        var provider = currentUser.Required.Memberships.First(m => m.OrganisationId == command.ProviderId).OrganisationName;
        var service = new Service(Guid.CreateVersion7(clock.GetUtcNow()), command.ProviderId, command.Name!, command.Kind!.Value);
        // Two services of one provider with one name would be told apart by nobody: not the customers choosing theirs, not the
        // readers of an advisory. Names differing only in case count as the same.
        var upper = service.Name.ToUpperInvariant();
        if (await db.Services.AnyAsync(s => s.ProviderId == command.ProviderId && s.Name.ToUpper() == upper, cancellationToken))
            throw new DomainRuleException("duplicate_service", $"{provider} already has a service named {service.Name}.");
        db.Services.Add(service);
        auditLog.Record(command.ProviderId, "service_registered", $"{provider} registered {service.Name}.");
        await db.SaveChangesAsync(cancellationToken);
        return new ProviderServiceView(service.Id, provider, service.Name, service.Kind, 0, []);
    }
}
