using Mediator;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

public sealed record MyAccessView(Guid UserId, string DisplayName, string Email, IReadOnlyList<MembershipAccess> Memberships, IReadOnlyList<MyTenantView> Tenants);

public sealed record MyTenantView(Guid TenantId, string Name, string IncidentPrefix, TenantAccess Access);

/// <summary>Who am I and what can I reach: the signed-in user's memberships and customer tenants.</summary>
[AnySignedInUser]
public sealed record GetMyAccess : IQuery<MyAccessView>;

public sealed class GetMyAccessHandler(CurrentUser currentUser) : IQueryHandler<GetMyAccess, MyAccessView>
{
    public ValueTask<MyAccessView> Handle(GetMyAccess query, CancellationToken cancellationToken)
    {
        var me = currentUser.Required;
        return ValueTask.FromResult(new MyAccessView(me.UserId, me.DisplayName, me.Email, me.Memberships,
            [.. me.Tenants.Values.OrderBy(t => t.Name).Select(t => new MyTenantView(t.TenantId, t.Name, t.IncidentPrefix, t.Access))]));
    }
}
