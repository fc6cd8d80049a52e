using Portal.Infrastructure.Data;
using Shouldly;

namespace Portal.UnitTests.Remediation;

public sealed class OrderedIdsTests
{
    private static readonly DateTimeOffset T0 = new(2024, 7, 19, 4, 9, 0, TimeSpan.Zero);

    [Fact]
    public void Ids_increase_in_the_order_handed_out_as_Guids_and_as_stored_text_even_when_the_clock_stands_still_or_goes_back()
    {
        var ids = new OrderedIds();
        var times = Enumerable.Range(0, 20_000).Select(i => i < 10_000 ? T0 : T0.AddMilliseconds(-5 + i % 3)).ToList();
        var made = times.Select(ids.Next).ToList();

        made.Distinct().Count().ShouldBe(made.Count);
        for (var i = 1; i < made.Count; i++)
        {
            made[i].CompareTo(made[i - 1]).ShouldBePositive();
            string.CompareOrdinal(made[i].ToString().ToUpperInvariant(), made[i - 1].ToString().ToUpperInvariant()).ShouldBePositive();
        }
    }

    [Fact]
    public void Ids_are_version_7_with_the_RFC_variant_and_carry_the_millisecond()
    {
        var id = new OrderedIds().Next(T0);

        id.Version.ShouldBe(7);
        (id.Variant & 0xC).ShouldBe(0x8);
        var bytes = id.ToByteArray(bigEndian: true);
        var ms = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
        ms.ShouldBe(T0.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void A_later_millisecond_starts_after_everything_handed_out_before()
    {
        var ids = new OrderedIds();
        var first = Enumerable.Range(0, 1000).Select(_ => ids.Next(T0)).Max();
        ids.Next(T0.AddMilliseconds(1)).CompareTo(first).ShouldBePositive();
    }
}
