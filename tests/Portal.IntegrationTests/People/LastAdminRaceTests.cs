namespace Portal.IntegrationTests.People;

/// <summary>
/// Two leads demoting each other at the same moment on PostgreSQL: without the organisation's row lock both would see
/// "another lead remains" and both succeed, leaving nobody. With it exactly one succeeds and the other is 409 last_admin.
/// </summary>
public sealed class LastAdminRaceTests(PostgresApp app) : IClassFixture<PostgresApp>
{
    [Fact]
    public async Task Two_leads_demoting_each_other_at_once_leave_exactly_one_lead()
    {
        var ada = await app.ClientForAsync(DemoDirectory.Ada);
        for (var round = 0; round < 6; round++)
        {
            var msp = await ada.CreateOrganisationAsync("Msp");
            var (first, firstEmail) = await app.JoinAsync(ada, msp, "MspLead", "First Lead");
            var (second, secondEmail) = await app.JoinAsync(ada, msp, "MspLead", "Second Lead");
            var people = await ada.PeopleAsync(msp.Id);
            var firstMembership = people.Members.Single(m => m.Email == firstEmail).MembershipId;
            var secondMembership = people.Members.Single(m => m.Email == secondEmail).MembershipId;

            using var start = new SemaphoreSlim(0, 2);
            async Task<HttpResponseMessage> Demote(HttpClient actor, Guid membership)
            {
                await start.WaitAsync();
                return await actor.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{msp.Id}/members/{membership}/role", """{"role":"MspEngineer"}""");
            }
            var a = Demote(first, secondMembership);
            var b = Demote(second, firstMembership);
            start.Release(2);
            var responses = await Task.WhenAll(a, b);

            var statuses = responses.Select(r => r.StatusCode).OrderBy(s => s).ToList();
            statuses.ShouldBe([HttpStatusCode.OK, HttpStatusCode.Conflict], $"round {round}: {string.Join(", ", await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync())))}");
            (await responses.Single(r => r.StatusCode == HttpStatusCode.Conflict).ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("last_admin");
            foreach (var r in responses) r.Dispose();

            var after = await ada.PeopleAsync(msp.Id);
            after.Members.Count(m => m.Role == "MspLead").ShouldBe(1, $"round {round}");
        }
    }
}
