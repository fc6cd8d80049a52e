using System.Reflection;
using Mediator;
using Portal.Pipeline;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>The access behaviour fails closed on a message without a declared permission; this catches it before a user does.</summary>
public sealed class EveryMessageDeclaresAccessTests
{
    [Fact]
    public void Every_command_and_query_declares_who_may_send_it()
    {
        var messages = typeof(Program).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && (typeof(IBaseCommand).IsAssignableFrom(t) || typeof(IBaseQuery).IsAssignableFrom(t)))
            .ToList();
        messages.Count.ShouldBeGreaterThan(5);
        var undeclared = messages.Where(t => t.GetCustomAttribute<RequiresAttribute>() is null && t.GetCustomAttribute<AnySignedInUserAttribute>() is null);
        undeclared.Select(t => t.Name).ShouldBeEmpty();
    }

    [Fact]
    public void Messages_about_one_incident_or_tenant_say_so_so_the_tenant_is_checked()
    {
        var withIncidentId = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBaseCommand).IsAssignableFrom(t) || typeof(IBaseQuery).IsAssignableFrom(t))
            .Where(t => t.GetProperty("IncidentId") is not null);
        withIncidentId.Where(t => !typeof(IIncidentRequest).IsAssignableFrom(t)).Select(t => t.Name).ShouldBeEmpty();

        var withTenantId = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBaseCommand).IsAssignableFrom(t) || typeof(IBaseQuery).IsAssignableFrom(t))
            .Where(t => t.GetProperty("TenantId") is not null);
        withTenantId.Where(t => !typeof(ITenantRequest).IsAssignableFrom(t) && !typeof(IOptionalTenantRequest).IsAssignableFrom(t))
            .Select(t => t.Name).ShouldBeEmpty();

        // a task or device named by its id alone must be looked up through the filtered context first
        var withTaskId = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBaseCommand).IsAssignableFrom(t) || typeof(IBaseQuery).IsAssignableFrom(t))
            .Where(t => t.GetProperty("TaskId")?.PropertyType == typeof(Guid));
        withTaskId.Where(t => !typeof(ITaskRequest).IsAssignableFrom(t)).Select(t => t.Name).ShouldBeEmpty();
        var withDeviceId = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBaseCommand).IsAssignableFrom(t) || typeof(IBaseQuery).IsAssignableFrom(t))
            .Where(t => t.GetProperty("DeviceId")?.PropertyType == typeof(Guid));
        withDeviceId.Where(t => !typeof(IDeviceRequest).IsAssignableFrom(t)).Select(t => t.Name).ShouldBeEmpty();
        var withContractId = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBaseCommand).IsAssignableFrom(t) || typeof(IBaseQuery).IsAssignableFrom(t))
            .Where(t => t.GetProperty("ContractId")?.PropertyType == typeof(Guid));
        withContractId.Where(t => !typeof(IContractRequest).IsAssignableFrom(t)).Select(t => t.Name).ShouldBeEmpty();
        withContractId.ShouldNotBeEmpty();
        withTaskId.ShouldNotBeEmpty();
        withDeviceId.ShouldNotBeEmpty();
    }
}
