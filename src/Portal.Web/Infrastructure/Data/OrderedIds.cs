using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Portal.Infrastructure.Data;

/// <summary>
/// Version 7 ids that increase in the order they are handed out (RFC 9562 §6.2, method 1: a 42-bit counter after the
/// millisecond, seeded at random in its lower half each new millisecond, then 32 random bits). <see cref="Guid.CreateVersion7(DateTimeOffset)"/>
/// with one timestamp for a whole batch gives ids in random order within it: every insert then lands at a random place in
/// each index on the id (devices, tasks and their (incident, device), (incident, id), (incident, state, id) indexes), and once
/// a batch's part of those indexes no longer fits SQLite's page cache the import slows down severalfold. In file order they
/// append, and the task list (paged by incident, id) shows the tasks in the file's order. One instance per import run; not
/// thread-safe. A clock that stands still or goes back does not break the order: the last millisecond is kept.
/// </summary>
public sealed class OrderedIds
{
    private const long CounterLimit = 1L << 42;
    private long _millisecond = long.MinValue;
    private long _counter;
    private readonly byte[] _random = new byte[4096];
    private int _used = 4096;

    public Guid Next(DateTimeOffset now)
    {
        var ms = now.ToUnixTimeMilliseconds();
        if (ms > _millisecond)
        {
            _millisecond = ms;
            _counter = Seed();
        }
        else if (++_counter >= CounterLimit)
        {
            _millisecond++;
            _counter = Seed();
        }
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, _millisecond << 16);             // bytes 0-5: unix ms (48 bits)
        bytes[6] = (byte)(0x70 | (int)((_counter >> 38) & 0x0F));                    // version 7 + counter bits 41-38
        bytes[7] = (byte)(_counter >> 30);                                            // counter bits 37-30
        bytes[8] = (byte)(0x80 | (int)((_counter >> 24) & 0x3F));                    // variant 10 + counter bits 29-24
        bytes[9] = (byte)(_counter >> 16);
        bytes[10] = (byte)(_counter >> 8);
        bytes[11] = (byte)_counter;
        if (_used == _random.Length)
        {
            RandomNumberGenerator.Fill(_random); // one call per 1,024 ids
            _used = 0;
        }
        _random.AsSpan(_used, 4).CopyTo(bytes[12..]);                                 // 32 random bits
        _used += 4;
        return new Guid(bytes, bigEndian: true);
    }

    private static long Seed() => Random.Shared.NextInt64(CounterLimit >> 1);
}
