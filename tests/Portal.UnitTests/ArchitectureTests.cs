using System.Reflection;
using Mediator;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NetArchTest.Rules;
using Portal.Features;
using Portal.Features.CustomerStatus;
using Portal.Features.Live;
using Portal.Pipeline.Commit;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>
/// The structure the code is meant to keep, checked on the compiled assembly: the pipeline serves every feature and
/// depends on none; a feature talks to another only through its messages and their views; every page shares one base.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Portal = typeof(Program).Assembly;

    [Fact]
    public void The_pipeline_and_the_commit_path_depend_on_no_feature()
    {
        var result = Types.InAssembly(Portal)
            .That().ResideInNamespaceMatching(@"^Portal\.Pipeline(\.|$)")
            .ShouldNot().HaveDependencyOn("Portal.Features")
            .GetResult();
        (result.FailingTypeNames ?? []).ShouldBeEmpty();
    }

    [Fact]
    public void Infrastructure_depends_on_no_feature()
    {
        var result = Types.InAssembly(Portal)
            .That().ResideInNamespaceMatching(@"^Portal\.Infrastructure(\.|$)")
            .ShouldNot().HaveDependencyOn("Portal.Features")
            .GetResult();
        (result.FailingTypeNames ?? []).ShouldBeEmpty();
    }

    /// <summary>
    /// What one feature may use of another: its commands and queries (sent through Mediator, so the other feature's
    /// access rules apply) and the views they answer with. Its handlers, caches, pages and helpers are its own.
    /// </summary>
    [Fact]
    public void A_feature_uses_another_only_through_its_messages_and_their_views()
    {
        var areas = FeatureAreas();
        areas.ShouldContain("Incidents");
        areas.ShouldContain("Live");
        areas.ShouldContain("CustomerStatus");

        var failures = new List<string>();
        foreach (var area in areas)
        {
            foreach (var other in areas.Where(a => a != area))
            {
                var internals = Internals(other);
                if (internals.Length == 0) continue;
                var result = Types.InAssembly(Portal)
                    .That().ResideInNamespaceMatching($@"^Portal\.Features\.{area}(\.|$)")
                    .ShouldNot().HaveDependencyOnAny(internals)
                    .GetResult();
                failures.AddRange((result.FailingTypeNames ?? []).Select(t => $"{t} uses internals of {other}"));
            }
        }
        failures.ShouldBeEmpty();
    }

    /// <summary>The rule above can fail: Live reaching into CustomerStatus's cache (as it once did) is an internal.</summary>
    [Fact]
    public void A_features_cache_counts_as_an_internal()
    {
        Internals("CustomerStatus").ShouldContain(typeof(CustomerStatusCache).FullName!);
        Internals("CustomerStatus").ShouldNotContain(typeof(GetCustomerStatus).FullName!);
        Internals("CustomerStatus").ShouldNotContain(typeof(CustomerStatusView).FullName!);
    }

    [Fact]
    public void Every_page_model_derives_from_the_shared_base()
    {
        var pageModels = Portal.GetTypes().Where(t => typeof(PageModel).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        pageModels.Count.ShouldBeGreaterThan(5);
        pageModels.Where(t => !typeof(PortalPageModel).IsAssignableFrom(t)).Select(t => t.FullName).ShouldBeEmpty();
    }

    /// <summary>A live client refetches the moment it is told: the status snapshot must be gone by then.</summary>
    [Fact]
    public void The_status_snapshot_is_dropped_before_clients_are_told()
    {
        var reactions = Portal.GetTypes().Where(t => typeof(ICommitReaction).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        reactions.ShouldContain(typeof(RefreshStatusAfterCommit));
        reactions.ShouldContain(typeof(BroadcastCommittedChanges));
        ((int)StageOf<RefreshStatusAfterCommit>()).ShouldBeLessThan((int)StageOf<BroadcastCommittedChanges>());
    }

    private static CommitStage StageOf<T>() where T : ICommitReaction =>
        ((ICommitReaction)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(T))).Stage;

    private static string[] FeatureAreas() => [.. Portal.GetTypes()
        .Select(t => t.Namespace ?? "")
        .Where(ns => ns.StartsWith("Portal.Features.", StringComparison.Ordinal))
        .Select(ns => ns.Split('.')[2])
        .Distinct()
        .Order()];

    /// <summary>The area's public types other than its messages and everything their answers are made of.</summary>
    private static string[] Internals(string area)
    {
        var types = Portal.GetTypes().Where(t => t.Namespace is { } ns && (ns == $"Portal.Features.{area}" || ns.StartsWith($"Portal.Features.{area}.", StringComparison.Ordinal))).ToList();
        var messages = types.Where(t => typeof(IBaseCommand).IsAssignableFrom(t) || typeof(IBaseQuery).IsAssignableFrom(t)).ToList();
        var contract = new HashSet<Type>(messages);
        var pending = new Stack<Type>(messages.SelectMany(ResponseTypes));
        while (pending.TryPop(out var type))
        {
            if (!contract.Add(type)) continue;
            foreach (var property in type.GetProperties()) foreach (var t in Unwrap(property.PropertyType)) pending.Push(t);
        }
        return [.. types.Where(t => !contract.Contains(t) && !t.IsNested && !IsCompilerGenerated(t)).Select(t => t.FullName!)];
    }

    private static IEnumerable<Type> ResponseTypes(Type message) => message.GetInterfaces()
        .Where(i => i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(ICommand<>) || i.GetGenericTypeDefinition() == typeof(IQuery<>)))
        .SelectMany(i => Unwrap(i.GetGenericArguments()[0]));

    /// <summary>A type and its generic arguments (a list of views is made of views), Portal's own only.</summary>
    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.Assembly == Portal) yield return type;
        if (!type.IsGenericType) yield break;
        foreach (var argument in type.GetGenericArguments()) foreach (var t in Unwrap(argument)) yield return t;
    }

    private static bool IsCompilerGenerated(Type t) => t.Name.Contains('<', StringComparison.Ordinal);
}
