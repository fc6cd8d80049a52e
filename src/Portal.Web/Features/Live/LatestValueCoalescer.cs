using System.Collections.Concurrent;

namespace Portal.Features.Live;

/// <summary>
/// Latest-value coalescing per key: however often <see cref="Post"/> is called, <c>send</c> runs at most once per interval
/// for a key, always with the latest value, and the last value posted always goes out (a pending send carries it). For
/// snapshots with no sequence number (task progress, an import's progress, an advisory's reach), where a skipped value is
/// superseded by the next. Idle keys are forgotten by <see cref="SweepIdle"/>.
/// </summary>
public sealed class LatestValueCoalescer<TKey, TValue>(TimeSpan interval, TimeProvider clock, Func<TKey, TValue, DateTimeOffset, Task> send)
    where TKey : notnull
{
    private sealed class Slot
    {
        public TValue? Latest;
        public DateTimeOffset LastSentAt = DateTimeOffset.MinValue;
        public bool FlushPending;
    }

    private readonly ConcurrentDictionary<TKey, Slot> _slots = new();

    public void Post(TKey key, TValue value)
    {
        var slot = _slots.GetOrAdd(key, _ => new Slot());
        TimeSpan wait;
        lock (slot)
        {
            slot.Latest = value;
            if (slot.FlushPending) return; // the pending send will carry this value
            slot.FlushPending = true;
            wait = slot.LastSentAt + interval - clock.GetUtcNow();
        }
        if (wait <= TimeSpan.Zero) _ = FlushAsync(key, slot);
        else _ = Task.Delay(wait, clock).ContinueWith(_ => FlushAsync(key, slot), TaskScheduler.Default).Unwrap();
    }

    /// <summary>Drops a key whose last value went out (a finished import) so it is not kept until the sweep.</summary>
    public void Forget(TKey key)
    {
        if (_slots.TryGetValue(key, out var slot))
        {
            lock (slot)
            {
                if (!slot.FlushPending) _slots.TryRemove(new KeyValuePair<TKey, Slot>(key, slot));
            }
        }
    }

    public void SweepIdle(DateTimeOffset idleSince)
    {
        foreach (var (key, slot) in _slots)
        {
            lock (slot)
            {
                if (!slot.FlushPending && slot.LastSentAt < idleSince) _slots.TryRemove(new KeyValuePair<TKey, Slot>(key, slot));
            }
        }
    }

    private async Task FlushAsync(TKey key, Slot slot)
    {
        TValue value;
        DateTimeOffset now;
        lock (slot)
        {
            value = slot.Latest!;
            now = clock.GetUtcNow();
            slot.LastSentAt = now;
            slot.FlushPending = false;
        }
        await send(key, value, now);
    }
}
