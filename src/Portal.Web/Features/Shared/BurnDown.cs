using Portal.Features.Remediation;

namespace Portal.Features;

/// <summary>
/// A pure function shared by the features that draw burn-downs (remediation per incident and tenant, the provider's advisory
/// impact): it reads nothing itself.
/// </summary>
/// <remarks>Adds up the incidents' samples (each incident's last known counts at every moment) and thins them to a chart's worth of points.</remarks>
public static class BurnDown
{
    public const int MaxPoints = 500;

    public sealed record Sample(Guid IncidentId, DateTimeOffset At, int Total, int Completed, int Failed, int NotApplicable = 0);

    public static BurnDownView Of(IReadOnlyList<Sample> samples)
    {
        if (samples.Count == 0) return new BurnDownView([]);
        var latest = new Dictionary<Guid, Sample>();
        int total = 0, completed = 0, failed = 0, notApplicable = 0;
        var points = new List<BurnDownPoint>(samples.Count);
        foreach (var sample in samples)
        {
            if (latest.TryGetValue(sample.IncidentId, out var before))
            {
                total -= before.Total; completed -= before.Completed; failed -= before.Failed; notApplicable -= before.NotApplicable;
            }
            latest[sample.IncidentId] = sample;
            total += sample.Total; completed += sample.Completed; failed += sample.Failed; notApplicable += sample.NotApplicable;
            var at = sample.At.ToUnixTimeSeconds();
            // Several changes in one second: the chart shows where that second ended.
            var point = new BurnDownPoint(at, total, completed, failed, notApplicable);
            if (points.Count > 0 && points[^1].At == at) points[^1] = point;
            else points.Add(point);
        }
        return new BurnDownView(Thin(points));
    }

    /// <summary>A series already summed (an advisory's recorded points), thinned to a chart's worth.</summary>
    public static BurnDownView OfPoints(List<BurnDownPoint> points) => new(Thin(points));

    /// <summary>At most <see cref="MaxPoints"/>: the last point of each equal slice of time, and always the first and the last point.</summary>
    private static List<BurnDownPoint> Thin(List<BurnDownPoint> points)
    {
        if (points.Count <= MaxPoints) return points;
        var first = points[0].At;
        var span = Math.Max(1, points[^1].At - first);
        var slices = MaxPoints - 2; // slice numbers 0..slices, one point each, plus the very first point
        var thinned = new List<BurnDownPoint>(MaxPoints) { points[0] };
        for (var i = 1; i < points.Count; i++)
        {
            var slice = (points[i].At - first) * slices / span;
            var next = i + 1 < points.Count ? (points[i + 1].At - first) * slices / span : -1;
            if (next != slice) thinned.Add(points[i]);
        }
        return thinned;
    }
}
