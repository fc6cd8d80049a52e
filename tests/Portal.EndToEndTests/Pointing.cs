using Microsoft.Playwright;

namespace Portal.EndToEndTests;

/// <summary>A mouse over a live page: where it points, and what is under it, read in the page's own steps.</summary>
internal static class Pointing
{
    /// <summary>
    /// Moves the pointer onto the middle of the link named <paramref name="name"/> in the live region <paramref name="region"/>, once
    /// the page shows it, and returns where that is.
    /// </summary>
    public static async Task<(float X, float Y)> PointAtAsync(IPage page, string region, string name)
    {
        await page.Locator($"[data-live-region={region}]").GetByRole(AriaRole.Link, new() { Name = name }).HoverAsync(); // scrolled into view first
        // Found and measured in one step of the page's: a region is swapped on every refetch (the first right after the page
        // connects), and a link found, then measured apart, can be the one swapped out (no box: 0, 0).
        var middle = await page.EvaluateAsync<double[]>("""
            ([region, name]) => {
              const r = [...document.querySelectorAll(`[data-live-region=${region}] a`)].find(a => a.textContent === name).getBoundingClientRect();
              return [r.x + r.width / 2, r.y + r.height / 2];
            }
            """, new[] { region, name });
        var (x, y) = ((float)middle[0], (float)middle[1]);
        await page.Mouse.MoveAsync(x, y);
        return (x, y);
    }

    /// <summary>The page's scroll has held for five frames: a wheel's scroll is animated, and the wheel does not wait for it.</summary>
    public static async Task ScrollEndedAsync(IPage page) => await page.EvaluateAsync("""
        () => new Promise(ended => {
          let last = scrollY, still = 0;
          const frame = () => {
            still = scrollY === last ? still + 1 : 0;
            last = scrollY;
            if (still >= 5) ended(); else requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        })
        """);

    /// <summary>The text of the queue's row or the status page's incident at (<paramref name="x"/>, <paramref name="y"/>), or "".</summary>
    public static Task<string> ItemUnderAsync(IPage page, float x, float y) =>
        page.EvaluateAsync<string>("([x, y]) => document.elementFromPoint(x, y)?.closest('tr, article')?.innerText ?? ''", new double[] { x, y });
}
