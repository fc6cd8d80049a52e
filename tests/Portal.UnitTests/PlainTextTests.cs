using Portal.Domain;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>What free text may hold (<see cref="PlainText"/>), and the entities that refuse the rest.</summary>
public sealed class PlainTextTests
{
    private static readonly DateTimeOffset T0 = new(2024, 7, 19, 4, 9, 0, TimeSpan.Zero);
    private static readonly Actor Engineer = new(Guid.NewGuid(), "Maya Chen", TenantAccess.Msp);

    [Theory]
    [InlineData("Kiosks offline at gate B12")]
    [InlineData("Zeilen\nund\tTabs\r\nbleiben")]
    [InlineData("Émojis 🛫 and CJK 障害 are text")]
    [InlineData("")]
    public void Printable_text_lines_and_tabs_are_plain(string text) => PlainText.IsPlain(text).ShouldBeTrue();

    [Theory]
    [InlineData("vertical\u000Btab")]
    [InlineData("nul\u0000")]
    [InlineData("bell\u0007")]
    [InlineData("escape\u001B[31m")]
    [InlineData("delete\u007F")]
    [InlineData("next line\u0085")]
    [InlineData("non-character\uFFFE")]
    public void Control_characters_and_non_characters_are_not(string text) => PlainText.IsPlain(text).ShouldBeFalse();

    [Fact]
    public void Half_of_a_surrogate_pair_is_not()
    {
        // Not as theory data: the test runner's serialisation turns a lone surrogate into U+FFFD.
        PlainText.IsPlain("high half \uD83D alone").ShouldBeFalse();
        PlainText.IsPlain("low half \uDE80 alone").ShouldBeFalse();
        PlainText.IsPlain("swapped \uDE80\uD83D").ShouldBeFalse();
        PlainText.IsPlain("ends on a high half \uD83D").ShouldBeFalse();
        PlainText.IsPlain("a whole pair \uD83D\uDE80").ShouldBeTrue();
    }

    [Theory]
    [InlineData("line\nbreak")]
    [InlineData("carriage\rreturn")]
    [InlineData("tab\tbed")]
    public void One_line_text_refuses_line_breaks_and_tabs_too(string text)
    {
        PlainText.IsPlain(text, multiline: false).ShouldBeFalse();
        PlainText.IsPlain(text).ShouldBeTrue();
    }

    [Fact]
    public void A_direction_override_is_refused_and_right_to_left_text_is_not()
    {
        // Not as theory data: kept exactly as typed.
        PlainText.IsPlain("invoice\u202Egnp.exe", multiline: false).ShouldBeFalse("reads \"invoiceexe.png\"");
        PlainText.IsPlain("left\u202Dto right").ShouldBeFalse();
        PlainText.IsPlain("خادم-الطيران-01 متوقف", multiline: false).ShouldBeTrue();
        PlainText.IsPlain("mixed \u2067עברית\u2069 isolate", multiline: false).ShouldBeTrue("isolates do not reverse what follows them");
    }

    [Fact]
    public void Text_that_shows_nothing_is_refused_as_empty()
    {
        PlainText.HasVisibleCharacter("\u200B").ShouldBeFalse();
        PlainText.HasVisibleCharacter("\u200B \u2060\uFEFF").ShouldBeFalse();
        PlainText.HasVisibleCharacter("\u200Bx").ShouldBeTrue();
        PlainText.HasVisibleCharacter("🛫").ShouldBeTrue();
        var refused = Should.Throw<InvalidValueException>(() => PlainText.Require("\u200B", 100, "title", multiline: false));
        (refused.Code, refused.Message).ShouldBe(("empty_text", "The title shows nothing: it holds only spaces or invisible characters."));
    }

    [Fact]
    public void Require_trims_and_names_what_it_refuses()
    {
        PlainText.Require("  Kiosks offline \n", 100, "title", multiline: false).ShouldBe("Kiosks offline");
        Should.Throw<InvalidValueException>(() => PlainText.Require("Kiosks\u000Boffline", 100, "title")).Code.ShouldBe("invalid_text");
        Should.Throw<InvalidValueException>(() => PlainText.Require("Kiosks\u000Boffline", 100, "title")).Message.ShouldContain("title");
        Should.Throw<InvalidValueException>(() => PlainText.Require(" \t ", 100, "title")).Code.ShouldBe("empty_text");
        Should.Throw<InvalidValueException>(() => PlainText.Require("abc", 2, "title")).Code.ShouldBe("text_too_long");
    }

    [Fact]
    public void The_entities_refuse_control_characters_in_what_people_type()
    {
        Should.Throw<InvalidValueException>(() => Incident.Open(Guid.NewGuid(), 1, "NWA", "Kiosks\noffline", Severity.Sev2, null, Engineer, T0)).Code.ShouldBe("invalid_text");
        Should.Throw<InvalidValueException>(() => Incident.Open(Guid.NewGuid(), 1, "NWA", "Kiosks", Severity.Sev2, "Sum\u000Bmary", Engineer, T0)).Code.ShouldBe("invalid_text");
        var incident = Incident.Open(Guid.NewGuid(), 1, "NWA", "Kiosks offline", Severity.Sev2, "What customers read", Engineer, T0);
        Should.Throw<InvalidValueException>(() => incident.AddNote("pasted\u000Bline", NoteVisibility.Internal, Engineer, T0)).Code.ShouldBe("invalid_text");
        Should.Throw<InvalidValueException>(() => incident.RecordRemediation("3 done\u0000", Engineer, T0)).Code.ShouldBe("invalid_text");
        incident.AddNote("Step one\n\tStep two", NoteVisibility.Internal, Engineer, T0).Text.ShouldBe("Step one\n\tStep two");

        Should.Throw<InvalidValueException>(() => RemediationTask.Free(incident, "Reboot\u0007", T0)).Code.ShouldBe("invalid_text");
        Should.Throw<InvalidValueException>(() => new Organisation(Guid.NewGuid(), "Northwind\nAirways", OrganisationKind.Customer, null, "NWA")).Code.ShouldBe("invalid_name");
    }

    [Fact]
    public void Shortening_keeps_short_text_and_never_cuts_a_surrogate_pair_in_half()
    {
        PlainText.Shorten("short", 10).ShouldBe("short");
        PlainText.Shorten("0123456789", 10).ShouldBe("0123456789");
        PlainText.Shorten("0123456789AB", 10).ShouldBe("012345678…");
        // "😀" is two chars: kept whole or dropped whole, and what is kept is plain text a database stores.
        var cut = PlainText.Shorten("01234567😀AB", 10);
        cut.ShouldBe("01234567…");
        PlainText.IsPlain(cut).ShouldBeTrue();
        PlainText.Shorten("0123456😀AB", 10).ShouldBe("0123456😀…");
    }

    [Fact]
    public void Text_that_arrives_with_a_file_loses_its_control_characters_and_keeps_the_rest()
    {
        PlainText.WithoutControlCharacters("devices.csv").ShouldBe("devices.csv");
        PlainText.WithoutControlCharacters("bad\u0007name\u001B.csv").ShouldBe("badname.csv");
        PlainText.WithoutControlCharacters("line\nbreak\t😀\uD83D.csv").ShouldBe("linebreak😀.csv");
    }
}
