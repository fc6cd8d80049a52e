using Portal.Domain;

namespace Portal.Infrastructure.Auth;

/// <summary>The Portal user of the current request (scoped); null until resolved, and null for unknown tenants or users.</summary>
public sealed class CurrentUser
{
    public UserAccess? Access { get; private set; }

    public UserAccess Required => Access ?? throw new NotSignedInException();

    internal void Set(UserAccess access) => Access = access;
}
