using System.Text.Json;
using Portal.Domain;
using Portal.Infrastructure.Http;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>What a JSON body may send for an enum: one of its names, in any case, and nothing else.</summary>
public sealed class JsonEnumNamesTests
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonEnumNames() } };

    private sealed record Body(NoteVisibility Visibility, Severity? Severity = null, List<Role>? Roles = null, Dictionary<Severity, int>? Minutes = null);

    [Theory]
    [InlineData("""{"visibility":"Customer"}""", NoteVisibility.Customer)]
    [InlineData("""{"visibility":"internal"}""", NoteVisibility.Internal)]
    [InlineData("""{"visibility":"CUSTOMER"}""", NoteVisibility.Customer)]
    public void A_name_in_any_case_is_read(string json, NoteVisibility expected) =>
        JsonSerializer.Deserialize<Body>(json, Options)!.Visibility.ShouldBe(expected);

    [Theory]
    [InlineData("""{"visibility":"Internal,Customer"}""")] // the framework's converter: Customer
    [InlineData("""{"visibility":"Internal, Customer"}""")]
    [InlineData("""{"visibility":" Customer"}""")]
    [InlineData("""{"visibility":"Customer "}""")]
    [InlineData("""{"visibility":"1"}""")]
    [InlineData("""{"visibility":1}""")]
    [InlineData("""{"visibility":""}""")]
    [InlineData("""{"visibility":"Public"}""")]
    [InlineData("""{"visibility":"Customer","severity":"Sev1,Sev2"}""")] // Sev3
    [InlineData("""{"visibility":"Customer","roles":["MspEngineer,MspLead"]}""")]
    [InlineData("""{"visibility":"Customer","minutes":{"Sev1,Sev2":5}}""")]
    public void Anything_but_one_name_is_refused_with_its_path(string json)
    {
        var refused = Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Body>(json, Options));
        refused.Path.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public void Names_are_written_as_the_framework_writes_them()
    {
        var body = new Body(NoteVisibility.Customer, Severity.Sev2, [Role.MspLead], new() { [Severity.Sev1] = 15 });
        var json = JsonSerializer.Serialize(body, Options);
        json.ShouldBe("""{"visibility":"Customer","severity":"Sev2","roles":["MspLead"],"minutes":{"Sev1":15}}""");
        JsonSerializer.Deserialize<Body>(json, Options).ShouldBeEquivalentTo(body);
    }
}
