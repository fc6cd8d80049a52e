using Portal.Features;
using Shouldly;

namespace Portal.UnitTests.Remediation;

public sealed class BurnDownTests
{
    private static readonly DateTimeOffset T0 = new(2026, 7, 19, 4, 9, 0, TimeSpan.Zero);
    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid();

    [Fact]
    public void A_tenants_burn_down_adds_up_each_incidents_latest_counts()
    {
        var view = BurnDown.Of(
        [
            new(A, T0, Total: 100, Completed: 0, Failed: 0),
            new(B, T0.AddSeconds(10), Total: 50, Completed: 0, Failed: 0),
            new(A, T0.AddSeconds(20), Total: 100, Completed: 40, Failed: 2),
            new(B, T0.AddSeconds(30), Total: 50, Completed: 50, Failed: 0),
        ]);

        view.Points.Select(p => (p.At - T0.ToUnixTimeSeconds(), p.Total, p.Completed, p.Failed, p.Remaining)).ShouldBe(
        [
            (0, 100, 0, 0, 100),
            (10, 150, 0, 0, 150),
            (20, 150, 40, 2, 110),
            (30, 150, 90, 0 + 2, 60),
        ]);
    }

    [Fact]
    public void Changes_within_one_second_show_where_the_second_ended()
    {
        var view = BurnDown.Of(
        [
            new(A, T0, 10, 1, 0),
            new(A, T0.AddMilliseconds(300), 10, 2, 0),
            new(A, T0.AddMilliseconds(900), 10, 3, 0),
        ]);
        view.Points.ShouldHaveSingleItem().Completed.ShouldBe(3);
    }

    [Fact]
    public void A_long_history_is_thinned_to_a_charts_worth_keeping_the_first_and_the_last_point()
    {
        var samples = Enumerable.Range(0, 20_000).Select(i => new BurnDown.Sample(A, T0.AddSeconds(i), 20_000, i, 0)).ToList();
        var points = BurnDown.Of(samples).Points;

        points.Count.ShouldBeLessThanOrEqualTo(BurnDown.MaxPoints);
        points.Count.ShouldBeGreaterThan(BurnDown.MaxPoints / 2);
        points[0].Completed.ShouldBe(0);
        points[^1].Completed.ShouldBe(19_999);
        points.Select(p => p.At).ShouldBeInOrder(SortDirection.Ascending);
    }

    [Fact]
    public void No_samples_no_points() => BurnDown.Of([]).Points.ShouldBeEmpty();
}
