namespace Portal.IntegrationTests.People;

/// <summary>
/// Two leads demoting each other at the same moment on PostgreSQL: without the organisation's row lock both would see
/// "another lead remains" and both succeed, leaving nobody. With it exactly one succeeds and the other is 409 last_admin.
/// When the second request only starts once the first has committed (a loaded machine does not always overlap them), its
/// sender is no longer a lead and is refused (403) before the race: also right, but it tests nothing, so the race has to
/// have happened in some of the rounds.
/// </summary>
public sealed class LastAdminRaceTests(PostgresApp app) : IClassFixture<PostgresApp>
{
    [Fact]
    public async Task Two_leads_demoting_each_other_at_once_leave_exactly_one_lead()
    {
        var ada = await app.ClientForAsync(DemoDirectory.Ada);
        var raced = 0;
        for (var round = 0; round < 10; round++)
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
            var said = $"round {round}: {string.Join(", ", await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync())))}";
            string.Join(", ", statuses).ShouldBeOneOf(["OK, Forbidden", "OK, Conflict"], said);
            var loser = responses.Single(r => r.StatusCode != HttpStatusCode.OK);
            if (loser.StatusCode == HttpStatusCode.Conflict)
            {
                (await loser.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("last_admin", said);
                raced++;
            }
            else
            {
                // The winner had demoted the loser before the loser's request began: it met its new role.
                (await loser.ReadProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldNotBeNull().ShouldContain("ManagePeople", Case.Sensitive, said);
            }
            foreach (var r in responses) r.Dispose();

            var after = await ada.PeopleAsync(msp.Id);
            after.Members.Count(m => m.Role == "MspLead").ShouldBe(1, $"round {round}");
        }
        raced.ShouldBeGreaterThan(0, "no round had the two demotions overlap: the row lock was not tested");
    }
}
