using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Features.Advisories;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

/// <summary>A provider service a customer tenant uses, optionally in one region (none: wherever the service runs).</summary>
public sealed record ServiceSubscriptionView(Guid Id, Guid TenantId, Guid ServiceId, string ServiceName, string ProviderName, string? Region);

/// <summary>
/// The tenant's admin (or its MSP) declares that the tenant uses a provider's service, optionally in one region. In the same
/// transaction every open advisory of that service is retargeted, so the tenant sees at once the advisories that now concern it.
/// </summary>
[Requires(Permission.ManageSubscriptions)]
public sealed record AddServiceSubscription(Guid TenantId, Guid? ServiceId, string? Region) : ICommand<ServiceSubscriptionView>, ITenantRequest;

public sealed class AddServiceSubscriptionValidator : AbstractValidator<AddServiceSubscription>
{
    public const int RegionMaxLength = Advisory.RegionMaxLength;

    public AddServiceSubscriptionValidator()
    {
        RuleFor(c => c.ServiceId).NotEmpty().WithMessage("Name the service the tenant uses (serviceId).");
        RuleFor(c => c.Region).Must(r => r is null || (r.Trim().Length is > 0 and <= RegionMaxLength && !r.Contains(',')))
            .WithMessage($"A region is a name of at most {RegionMaxLength} characters without commas, e.g. westeurope; leave it out for every region.")
            .IsPlainText("region", multiline: false);
    }
}

public sealed class AddServiceSubscriptionHandler(PortalDbContext db, IMediator mediator, AuditLog auditLog) : ICommandHandler<AddServiceSubscription, ServiceSubscriptionView>
{
    public async ValueTask<ServiceSubscriptionView> Handle(AddServiceSubscription command, CancellationToken cancellationToken)
    {
        var service = await db.Services.AsNoTracking().Where(s => s.Id == command.ServiceId)
                          .Select(s => new { s.Id, s.Name, Provider = db.Organisations.Where(o => o.Id == s.ProviderId).Select(o => o.Name).First() })
                          .SingleOrDefaultAsync(cancellationToken)
                      ?? throw new InvalidValueException("unknown_service", $"There is no service {command.ServiceId}.");
        var subscription = new ServiceSubscription(Guid.CreateVersion7(), command.TenantId, service.Id, command.Region);
        if (await db.Subscriptions.AnyAsync(s => s.CustomerId == command.TenantId && s.ServiceId == service.Id && s.Region == subscription.Region, cancellationToken))
            throw new DomainRuleException("already_subscribed",
                $"The tenant already uses {service.Name}{(subscription.Region is { } r ? $" in {r}" : "")}.");

        db.Subscriptions.Add(subscription);
        auditLog.Record(command.TenantId, "subscription_added",
            $"Uses {service.Provider}'s {service.Name}{(subscription.Region is { } region ? $" in {region}" : " in every region")}.");
        // Saved first inside the transaction, so the targeting query sees it; both commit together or not at all.
        await db.SaveChangesAsync(cancellationToken);
        await mediator.Send(new RetargetAdvisoriesOfServices(command.TenantId, [service.Id]), cancellationToken); // joins this transaction
        return new ServiceSubscriptionView(subscription.Id, subscription.CustomerId, service.Id, service.Name, service.Provider, subscription.Region);
    }
}
