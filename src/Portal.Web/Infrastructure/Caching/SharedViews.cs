using Microsoft.Extensions.Caching.Memory;

namespace Portal.Infrastructure.Caching;

/// <summary>
/// Views that many people read and that only a change makes stale: an incident as its customers see it, a tenant's recovery.
/// In an outage a crowd keeps such a page open, and after each change every page refetches at once; the crowd shares one build.
/// A view holds nothing of any person (who may read it is checked for each request before the view is asked for), is dropped
/// when a change commits on this instance (<see cref="Invalidate"/>), and is kept at most <paramref name="lifetime"/>, the bound
/// for a change made on another instance. A failed build is not kept.
/// </summary>
public sealed class SharedViews<TKey, TView>(TimeSpan lifetime) : IDisposable where TKey : notnull
{
    private readonly MemoryCache _views = new(new MemoryCacheOptions());
    private readonly Lock _gate = new(); // around a view's replacement: a miss, a change, a rebuild

    /// <summary>
    /// The key's view: the one built or being built, or a new build. Readers that arrive while a build runs share it.
    /// </summary>
    /// <param name="freshEnough">Whether a view will do for this reader (e.g. it includes the last event a live page saw); if not,
    /// the view is built again, once, for this reader and whoever asks next.</param>
    public async Task<TView> GetAsync(TKey key, Func<TView, ValueTask<bool>>? freshEnough, Func<Task<TView>> build)
    {
        var entry = Entry(key, build);
        var view = await AwaitAsync(key, entry);
        if (freshEnough is null || await freshEnough(view)) return view;
        // The readers that found the same old view drop it only if nobody has replaced it yet.
        RemoveIfCurrent(key, entry);
        return await AwaitAsync(key, Entry(key, build));
    }

    /// <summary>A change committed: drop the view, and let no reader arriving from now on take a build begun before.</summary>
    public void Invalidate(TKey key)
    {
        lock (_gate) _views.Remove(key);
    }

    public void Dispose() => _views.Dispose();

    private Lazy<Task<TView>> Entry(TKey key, Func<Task<TView>> build)
    {
        if (_views.TryGetValue(key, out Lazy<Task<TView>>? existing) && existing is not null) return existing;
        lock (_gate) // a moment, on a miss only: one build for the readers that miss together
        {
            if (_views.TryGetValue(key, out existing) && existing is not null) return existing;
            return _views.Set(key, new Lazy<Task<TView>>(build), lifetime);
        }
    }

    private async Task<TView> AwaitAsync(TKey key, Lazy<Task<TView>> entry)
    {
        try
        {
            return await entry.Value;
        }
        catch
        {
            RemoveIfCurrent(key, entry);
            throw;
        }
    }

    private void RemoveIfCurrent(TKey key, Lazy<Task<TView>> entry)
    {
        lock (_gate)
        {
            if (_views.TryGetValue(key, out Lazy<Task<TView>>? current) && ReferenceEquals(current, entry)) _views.Remove(key);
        }
    }
}
