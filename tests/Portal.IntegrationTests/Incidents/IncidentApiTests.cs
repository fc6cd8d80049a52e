using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Incidents;

/// <summary>
/// The incident API end to end, run unchanged on SQLite and on PostgreSQL (the two sealed classes at the bottom).
/// Expected values come from the design (transition table, numbering) and from the database read with system
/// access, never from the product's own helpers.
/// </summary>
public abstract class IncidentApiTests(PortalApp app)
{
    protected PortalApp App { get; } = app;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The documented transitions, written out from the design, independent of Incident.Transitions.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Legal = new Dictionary<string, string[]>
    {
        ["New"] = ["Acknowledged"],
        ["Acknowledged"] = ["Investigating", "Mitigating", "Resolved"],
        ["Investigating"] = ["Mitigating", "Monitoring", "Resolved"],
        ["Mitigating"] = ["Investigating", "Monitoring", "Resolved"],
        ["Monitoring"] = ["Investigating", "Mitigating", "Resolved"],
        ["Resolved"] = ["Closed", "Investigating"],
        ["Closed"] = [],
    };

    /// <summary>How a fresh incident reaches each status (the first step uses the acknowledge route).</summary>
    private static readonly Dictionary<string, string[]> PathTo = new Dictionary<string, string[]>
    {
        ["New"] = [],
        ["Acknowledged"] = ["Acknowledged"],
        ["Investigating"] = ["Acknowledged", "Investigating"],
        ["Mitigating"] = ["Acknowledged", "Mitigating"],
        ["Monitoring"] = ["Acknowledged", "Investigating", "Monitoring"],
        ["Resolved"] = ["Acknowledged", "Resolved"],
        ["Closed"] = ["Acknowledged", "Resolved", "Closed"],
    };

    private Guid Nwa => App.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Fabrikam => App.Demo.TenantId("Fabrikam Health");
    private Task<HttpClient> Maya => App.ClientForAsync(DemoDirectory.Maya);

    private async Task<IncidentDto> IncidentInAsync(string status, string title = "Transition test")
    {
        var maya = await Maya;
        var (incident, response) = await maya.CreateIncidentAsync(Nwa, title, "Sev3");
        response.Dispose();
        foreach (var step in PathTo[status])
        {
            incident = step == "Acknowledged" ? await maya.AcknowledgeAsync(incident.Id) : await maya.ChangeStatusAsync(incident.Id, step);
        }
        incident.Status.ShouldBe(status);
        return incident;
    }

    // ---------------------------------------------------------------- create

    [Fact]
    public async Task Create_answers_201_with_location_etag_and_the_tenants_next_number()
    {
        var maya = await Maya;
        var before = await App.TenantCountersAsync(Nwa);
        var fabBefore = await App.TenantCountersAsync(Fabrikam);

        var (incident, response) = await maya.CreateIncidentAsync(Nwa, "  Kiosks down at gate B  ", "Sev1", "Gate B kiosks are offline.");
        using (response)
        {
            response.Headers.Location!.ToString().ShouldBe($"/api/v1/incidents/{incident.Id}");
            response.ETagOf().ShouldBe($"\"{incident.Version}\"");
        }
        incident.Reference.ShouldBe($"NWA-{before.LastNumber + 1}");
        incident.TenantId.ShouldBe(Nwa);
        incident.TenantName.ShouldBe(DemoDirectory.Northwind);
        incident.Title.ShouldBe("Kiosks down at gate B", "the title is trimmed");
        incident.Severity.ShouldBe("Sev1");
        incident.Status.ShouldBe("New");
        incident.CustomerSummary.ShouldBe("Gate B kiosks are offline.");
        incident.Assignee.ShouldBeNull();
        incident.AcknowledgedAt.ShouldBeNull();
        incident.NextStatuses.ShouldBe(Legal["New"]);

        using (var get = await maya.GetAsync($"/api/v1/incidents/{incident.Id}", Ct))
        {
            var fetched = await get.ReadAsync<IncidentDto>();
            fetched.ShouldMatch(incident);
            get.ETagOf().ShouldBe($"\"{incident.Version}\"");
        }

        var timeline = await maya.TimelineAsync(incident.Id);
        timeline.Length.ShouldBe(1);
        timeline[0].ShouldSatisfyAllConditions(
            e => e.Sequence.ShouldBe(1),
            e => e.Kind.ShouldBe("Opened"),
            e => e.Visibility.ShouldBe("Customer"),
            e => e.Actor.ShouldBe("Maya Chen"),
            e => e.ToStatus.ShouldBe("New"),
            e => e.Text.ShouldBe("Opened Sev1: Kiosks down at gate B"));

        var (second, r2) = await maya.CreateIncidentAsync(Nwa, "Second one", "Sev4");
        r2.Dispose();
        second.Reference.ShouldBe($"NWA-{before.LastNumber + 2}");
        var (inFab, r3) = await maya.CreateIncidentAsync(Fabrikam, "Numbers are per tenant", "Sev4");
        r3.Dispose();
        inFab.Reference.ShouldBe($"FAB-{fabBefore.LastNumber + 1}");

        (await App.TenantCountersAsync(Nwa)).ShouldBe((before.LastNumber + 2, before.Count + 2));
        (await App.TenantCountersAsync(Fabrikam)).ShouldBe((fabBefore.LastNumber + 1, fabBefore.Count + 1));
    }

    [Fact]
    public async Task Concurrent_creates_in_one_tenant_get_distinct_consecutive_numbers()
    {
        var maya = await Maya;
        var liam = await App.ClientForAsync(DemoDirectory.Liam);
        var before = await App.TenantCountersAsync(Nwa);

        var creates = Enumerable.Range(1, 10).Select(async n =>
        {
            // two users' clients, so the requests really overlap in the server
            var (incident, response) = await (n % 2 == 0 ? maya : liam).CreateIncidentAsync(Nwa, $"Parallel create {n}", "Sev3");
            response.Dispose();
            return incident;
        });
        var incidents = await Task.WhenAll(creates);

        var numbers = incidents.Select(i => int.Parse(i.Reference["NWA-".Length..])).Order().ToArray();
        numbers.ShouldBe(Enumerable.Range(before.LastNumber + 1, 10).ToArray(), "10 parallel creates must take 10 distinct, consecutive numbers");
        (await App.TenantCountersAsync(Nwa)).ShouldBe((before.LastNumber + 10, before.Count + 10));
        var stored = await App.QueryAsync(db => db.Incidents.AsNoTracking().Where(i => i.TenantId == Nwa).Select(i => i.Number).ToListAsync());
        stored.Distinct().Count().ShouldBe(stored.Count);
    }

    // ---------------------------------------------------------------- list and search

    /// <summary>Rows: a query (placeholders filled at run time) and what it must select, as a predicate over the stored incidents.</summary>
    private static readonly Dictionary<string, (string Query, Func<Incident, Ids, bool> Selects, bool MayBeEmpty)> ListCases = new()
    {
        ["no filter"] = ("", (_, _) => true, false),
        ["one status"] = ("status=New", (i, _) => i.Status == IncidentStatus.New, false),
        ["two statuses"] = ("status=New&status=Acknowledged", (i, _) => i.Status is IncidentStatus.New or IncidentStatus.Acknowledged, false),
        ["closed"] = ("status=Closed", (i, _) => i.Status == IncidentStatus.Closed, false),
        ["one severity"] = ("severity=Sev1", (i, _) => i.Severity == Severity.Sev1, false),
        ["two severities"] = ("severity=Sev3&severity=Sev4", (i, _) => i.Severity is Severity.Sev3 or Severity.Sev4, false),
        ["assignee"] = ("assigneeId={maya}", (i, x) => i.AssigneeId == x.Maya, false),
        ["open only"] = ("open=true", (i, _) => i.Status is not (IncidentStatus.Resolved or IncidentStatus.Closed), false),
        ["text in title, any case"] = ("q=BOOT-LOOPING", (i, _) => i.Title.Contains("boot-looping", StringComparison.OrdinalIgnoreCase), false),
        ["text in reference"] = ("q=nwa-1", (i, _) => i.Reference.Contains("NWA-1", StringComparison.OrdinalIgnoreCase), false),
        ["blank text is no filter"] = ("q=%20%20", (_, _) => true, false),
        ["no match"] = ("q=zzz-nothing-like-this", (_, _) => false, true),
        ["tenant"] = ("tenantId={fab}", (i, x) => i.TenantId == x.Fab, false),
        ["everything combined"] = ("tenantId={nwa}&status=Acknowledged&status=New&severity=Sev3&severity=Sev1&open=true&q=listing",
            (i, x) => i.TenantId == x.Nwa && i.Status is IncidentStatus.Acknowledged or IncidentStatus.New && i.Severity is Severity.Sev3 or Severity.Sev1
                      && i.Title.Contains("listing", StringComparison.OrdinalIgnoreCase), false),
    };

    public sealed record Ids(Guid Nwa, Guid Fab, Guid Maya);

    public static TheoryData<string> ListCaseNames => [.. ListCases.Keys];

    /// <summary>A few incidents that make every list row non-empty (demo data has no Closed incident, for one).</summary>
    private Task<object> ListSeedAsync() => App.OnceAsync<object>("list-seed", async () =>
    {
        var maya = await Maya;
        var closed = await IncidentInAsync("Closed", "Listing seed closed");
        var acked = await IncidentInAsync("Acknowledged", "Listing seed acknowledged");
        // (assignees come from the demo data, so a broken assign route cannot take the list tests down with it)
        var (fresh, r) = await maya.CreateIncidentAsync(Nwa, "Listing seed new", "Sev1");
        r.Dispose();
        return new object[] { closed, acked, fresh };
    });

    [Theory]
    [MemberData(nameof(ListCaseNames))]
    public async Task List_filters_return_exactly_the_matching_visible_incidents(string name)
    {
        await ListSeedAsync();
        var (query, selects, mayBeEmpty) = ListCases[name];
        var ids = new Ids(Nwa, Fabrikam, App.Demo.User(DemoDirectory.Maya).Id);
        query = query.Replace("{nwa}", ids.Nwa.ToString()).Replace("{fab}", ids.Fab.ToString()).Replace("{maya}", ids.Maya.ToString());

        var visible = App.Demo.VisibleTenantsOf(DemoDirectory.Maya);
        var all = await App.QueryAsync(db => db.Incidents.AsNoTracking().ToListAsync());
        var expected = all.Where(i => visible.Contains(i.TenantId) && selects(i, ids)).Select(i => i.Id).ToHashSet();
        if (!mayBeEmpty) expected.ShouldNotBeEmpty($"row '{name}' would pass vacuously");

        var maya = await Maya;
        var first = await maya.ListAsync(query);
        first.Total.ShouldBe(expected.Count, $"total for ?{query}");
        var items = await maya.ListAllAsync(query);
        items.Select(i => i.Id).ShouldBe(expected, ignoreOrder: true, $"items for ?{query}");
        items.ShouldAllBe(i => visible.Contains(i.TenantId));

        // most severe first, then oldest first
        for (var k = 1; k < items.Count; k++)
        {
            var (a, b) = (items[k - 1], items[k]);
            (string.CompareOrdinal(a.Severity, b.Severity) < 0 || (a.Severity == b.Severity && a.CreatedAt <= b.CreatedAt))
                .ShouldBeTrue($"{a.Reference} ({a.Severity}, {a.CreatedAt:O}) is listed before {b.Reference} ({b.Severity}, {b.CreatedAt:O})");
        }
    }

    [Fact]
    public async Task Paging_splits_the_list_without_gaps_or_overlaps()
    {
        await ListSeedAsync();
        var maya = await Maya;
        var full = await maya.ListAsync("pageSize=200");
        full.Total.ShouldBeGreaterThan(7, "enough rows for several pages");
        full.Items.Length.ShouldBe(full.Total);

        var paged = new List<IncidentDto>();
        var pages = (full.Total + 2) / 3;
        for (var page = 1; page <= pages; page++)
        {
            var result = await maya.ListAsync($"pageSize=3&page={page}");
            result.Page.ShouldBe(page);
            result.PageSize.ShouldBe(3);
            result.Total.ShouldBe(full.Total);
            result.Items.Length.ShouldBe(page < pages ? 3 : full.Total - (3 * (pages - 1)));
            paged.AddRange(result.Items);
        }
        paged.Select(i => i.Id).ShouldBe(full.Items.Select(i => i.Id), "pages concatenated = the whole list, in the same order");

        var beyond = await maya.ListAsync($"pageSize=3&page={pages + 1}");
        beyond.Items.ShouldBeEmpty();
        beyond.Total.ShouldBe(full.Total);

        var defaults = await maya.ListAsync();
        defaults.Page.ShouldBe(1);
        defaults.PageSize.ShouldBe(50);
    }

    [Fact]
    public async Task Cursor_paging_splits_the_list_without_gaps_or_overlaps_and_ends_with_no_next()
    {
        await ListSeedAsync();
        var maya = await Maya;
        var full = await maya.ListAsync("pageSize=200");
        full.Items.Length.ShouldBe(full.Total, "the whole list on one page");
        full.Next.ShouldBeNull("nothing after the last page");

        var (read, pages) = await FollowCursorsAsync(maya, "pageSize=3");
        read.Select(i => i.Id).ShouldBe(full.Items.Select(i => i.Id), "pages read by cursor = the whole list, in the same order");
        pages[..^1].ShouldAllBe(p => p.Items.Length == 3, "every page but the last is full");
        pages.ShouldAllBe(p => p.Total == full.Total && p.Page == 1 && p.PageSize == 3);
        (await maya.ListAsync($"pageSize=3&page={(full.Total + 2) / 3 - 1}")).Next.ShouldNotBeNull("a numbered page before the last gives a cursor too");
    }

    [Fact]
    public async Task Cursor_paging_reads_each_incident_once_while_others_resolve_and_arrive_mid_way()
    {
        // An outage: an engineer's script reads the open queue a page at a time while incidents on the pages it read are resolved
        // and new ones arrive. Page numbers would skip the rows that moved up into pages already read; a cursor goes on after
        // the last row it saw.
        var maya = await Maya;
        var word = $"keyset{Guid.NewGuid():N}"[..14];
        async Task<IncidentDto> OpenAsync(string severity, int n)
        {
            var (incident, response) = await maya.CreateIncidentAsync(Nwa, $"{word} {severity} {n}", severity);
            response.Dispose();
            return incident;
        }
        var sev2 = new[] { await OpenAsync("Sev2", 1), await OpenAsync("Sev2", 2), await OpenAsync("Sev2", 3) };
        var sev3 = new[] { await OpenAsync("Sev3", 1), await OpenAsync("Sev3", 2), await OpenAsync("Sev3", 3) };
        var sev4 = await OpenAsync("Sev4", 1);
        var query = $"open=true&q={word}&pageSize=3";

        var first = await maya.ListAsync(query);
        first.Items.Select(i => i.Id).ShouldBe(sev2.Select(i => i.Id), "the Sev2s first, oldest first");
        first.Total.ShouldBe(7);
        foreach (var done in sev2[..2]) await maya.ChangeStatusAsync((await maya.AcknowledgeAsync(done.Id)).Id, "Resolved");
        var sev3Later = await OpenAsync("Sev3", 4);
        var (rest, _) = await FollowCursorsAsync(maya, query, first.Next.ShouldNotBeNull());

        rest.Select(i => i.Id).ShouldBe([.. sev3.Select(i => i.Id), sev3Later.Id, sev4.Id],
            "after the cursor: every Sev3, the one that arrived among them, then the Sev4, once each (page 2 by number would start at the third Sev3)");
        (await maya.ListAsync($"{query}&page=2")).Items[0].Id.ShouldBe(sev3[2].Id, "what page numbers would have read: the two resolved rows moved the others up");
    }

    [Fact]
    public async Task A_cursor_positions_the_list_and_widens_nobodys_view()
    {
        await ListSeedAsync();
        var maya = await Maya;
        var mayas = await maya.ListAsync("pageSize=1");
        mayas.Items[0].TenantId.ShouldBe(Nwa, "Maya's list begins with a Northwind incident (the seed's Sev1)");

        foreach (var person in new[] { DemoDirectory.Ines, DemoDirectory.Hana, DemoDirectory.Olivia })
        {
            var client = await App.ClientForAsync(person);
            var visible = App.Demo.VisibleTenantsOf(person);
            var (read, _) = await FollowCursorsAsync(client, "pageSize=200", mayas.Next.ShouldNotBeNull());
            read.ShouldAllBe(i => visible.Contains(i.TenantId), $"{person} follows Maya's cursor into their own tenants only");
            if (person != DemoDirectory.Olivia) continue;
            // Olivia sees the incident the cursor names: her list reads on right after it.
            var hers = await client.ListAllAsync();
            var at = hers.FindIndex(i => i.Id == mayas.Items[0].Id);
            at.ShouldBeGreaterThanOrEqualTo(0);
            read.Select(i => i.Id).ShouldBe(hers.Skip(at + 1).Select(i => i.Id), "Olivia's own list after the cursor's incident");
        }
    }

    /// <summary>Every page from <paramref name="cursor"/> (or the first) on, following <c>next</c> until there is none.</summary>
    private static async Task<(List<IncidentDto> Items, List<PageDto> Pages)> FollowCursorsAsync(HttpClient client, string query, string? cursor = null)
    {
        var (items, pages) = (new List<IncidentDto>(), new List<PageDto>());
        do
        {
            var page = await client.ListAsync(cursor is null ? query : $"{query}&cursor={cursor}");
            page.Items.ShouldNotBeEmpty("a next cursor always leads to rows");
            (pages.Count < 1_000).ShouldBeTrue("the cursors end");
            pages.Add(page);
            items.AddRange(page.Items);
            cursor = page.Next;
        } while (cursor is not null);
        return (items, pages);
    }

    // ---------------------------------------------------------------- get, acknowledge, assign

    [Fact]
    public async Task Get_returns_the_incident_and_its_version_as_etag()
    {
        var maya = await Maya;
        var incident = await IncidentInAsync("Acknowledged", "Get test");
        using var response = await maya.GetAsync($"/api/v1/incidents/{incident.Id}", Ct);
        var fetched = await response.ReadAsync<IncidentDto>();
        fetched.ShouldMatch(incident);
        response.ETagOf().ShouldBe($"\"{fetched.Version}\"");
        fetched.NextStatuses.ShouldBe(Legal["Acknowledged"]);
    }

    [Fact]
    public async Task Acknowledge_moves_a_new_incident_once_and_refuses_a_second_time()
    {
        var maya = await Maya;
        var (created, r) = await maya.CreateIncidentAsync(Nwa, "Ack test", "Sev2");
        r.Dispose();

        using (var response = await maya.PostJsonAsync($"/api/v1/incidents/{created.Id}/acknowledge", null))
        {
            var acked = await response.ReadAsync<IncidentDto>();
            acked.Status.ShouldBe("Acknowledged");
            acked.AcknowledgedAt.ShouldNotBeNull();
            acked.Version.ShouldNotBe(created.Version);
            response.ETagOf().ShouldBe($"\"{acked.Version}\"");
            acked.NextStatuses.ShouldBe(Legal["Acknowledged"]);
        }
        var timeline = await maya.TimelineAsync(created.Id);
        timeline.Select(e => e.Kind).ShouldBe(["Opened", "Acknowledged"]);
        timeline[1].ShouldSatisfyAllConditions(
            e => e.FromStatus.ShouldBe("New"), e => e.ToStatus.ShouldBe("Acknowledged"), e => e.Text.ShouldBe("Acknowledged by Maya Chen"));

        var state = await App.StateOfAsync(created.Id);
        using (var again = await maya.PostJsonAsync($"/api/v1/incidents/{created.Id}/acknowledge", null))
        {
            var problem = await again.ReadProblemAsync(HttpStatusCode.Conflict);
            problem.Code.ShouldBe("already_acknowledged");
            problem.Detail.ShouldNotBeNullOrWhiteSpace();
        }
        (await App.StateOfAsync(created.Id)).ShouldBe(state);
    }

    [Fact]
    public async Task Assign_accepts_engineers_of_the_managing_msp_only()
    {
        var maya = await Maya;
        var (incident, r) = await maya.CreateIncidentAsync(Nwa, "Assign test", "Sev2");
        r.Dispose();
        var sam = App.Demo.User(DemoDirectory.Sam);
        var liam = App.Demo.User(DemoDirectory.Liam);

        using (var response = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/assign", new { assigneeId = sam.Id }))
        {
            var assigned = await response.ReadAsync<IncidentDto>();
            assigned.Assignee.ShouldBe(new PersonDto(sam.Id, "Sam Okafor"));
            response.ETagOf().ShouldBe($"\"{assigned.Version}\"");
        }
        (await maya.ListAllAsync($"assigneeId={sam.Id}")).ShouldContain(i => i.Id == incident.Id);

        // an engineer of the other MSP, a customer, a provider, a stranger: 400 on the field, nothing changes
        var state = await App.StateOfAsync(incident.Id);
        foreach (var wrong in new[] { App.Demo.User(DemoDirectory.Ines).Id, App.Demo.User(DemoDirectory.Olivia).Id, App.Demo.User(DemoDirectory.Priya).Id, Guid.NewGuid() })
        {
            using var refused = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/assign", new { assigneeId = wrong });
            var problem = await refused.ReadProblemAsync(HttpStatusCode.BadRequest);
            problem.Errors.ShouldContainKey("assigneeId");
            (await App.StateOfAsync(incident.Id)).ShouldBe(state);
        }

        using (var lead = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/assign", new { assigneeId = liam.Id }))
        {
            (await lead.ReadAsync<IncidentDto>()).Assignee.ShouldBe(new PersonDto(liam.Id, "Liam O'Brien"));
        }
        using (var unassign = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/assign", new { assigneeId = (Guid?)null }))
        {
            (await unassign.ReadAsync<IncidentDto>()).Assignee.ShouldBeNull();
        }
        var timeline = await maya.TimelineAsync(incident.Id);
        timeline.Where(e => e.Kind == "Assigned").Select(e => e.Text).ShouldBe(["Assigned to Sam Okafor", "Assigned to Liam O'Brien", "Unassigned"]);
    }

    // ---------------------------------------------------------------- status transitions

    [Fact]
    public async Task Status_follows_a_full_legal_path_to_closed_with_if_match()
    {
        var maya = await Maya;
        var (incident, response) = await maya.CreateIncidentAsync(Nwa, "Full path", "Sev1");
        var etag = response.ETagOf();
        response.Dispose();

        string[] path = ["Acknowledged", "Investigating", "Mitigating", "Monitoring", "Resolved", "Closed"];
        var previous = "New";
        foreach (var status in path)
        {
            using var step = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/status", new { status, customerMessage = $"Now {status}." }, etag);
            incident = await step.ReadAsync<IncidentDto>();
            incident.Status.ShouldBe(status);
            incident.NextStatuses.ShouldBe(Legal[status]);
            var next = step.ETagOf();
            next.ShouldNotBe(etag, $"the version must change on {previous} → {status}");
            next.ShouldBe($"\"{incident.Version}\"");
            etag = next;
            previous = status;
        }
        incident.AcknowledgedAt.ShouldNotBeNull();
        incident.ResolvedAt.ShouldNotBeNull();
        incident.ClosedAt.ShouldNotBeNull();

        var changes = (await maya.TimelineAsync(incident.Id)).Skip(1).ToArray();
        changes.Select(e => (e.FromStatus, e.ToStatus)).ShouldBe(path.Zip(path.Prepend("New"), (to, from) => ((string?)from, (string?)to)));
        changes.ShouldAllBe(e => e.Visibility == "Customer");
        changes.Last().Text.ShouldBe("Status changed from Resolved to Closed: Now Closed.");

        // closed is final: no status, no assignment
        using var reopen = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/status", new { status = "Investigating" });
        (await reopen.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("transition_not_allowed");
        using var assign = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/assign", new { assigneeId = App.Demo.User(DemoDirectory.Sam).Id });
        (await assign.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("incident_closed");
    }

    public static TheoryData<string, string> LegalTransitions =>
        [.. Legal.SelectMany(kv => kv.Value.Select(to => (kv.Key, to)))];

    [Theory]
    [MemberData(nameof(LegalTransitions))]
    public async Task Every_documented_transition_is_allowed(string from, string to)
    {
        var maya = await Maya;
        var incident = await IncidentInAsync(from);
        var changed = await maya.ChangeStatusAsync(incident.Id, to);
        changed.Status.ShouldBe(to);
        changed.NextStatuses.ShouldBe(Legal[to]);
        if (from == "Resolved" && to == "Investigating") changed.ResolvedAt.ShouldBeNull("a reopened incident is no longer resolved");
        var last = (await maya.TimelineAsync(incident.Id)).Last();
        (last.FromStatus, last.ToStatus).ShouldBe((from, to));
    }

    public static TheoryData<string> AllStatuses => [.. Legal.Keys];

    [Theory]
    [MemberData(nameof(AllStatuses))]
    public async Task Every_other_transition_is_refused_with_409_and_changes_nothing(string from)
    {
        var maya = await Maya;
        var incident = await IncidentInAsync(from);
        var illegal = Legal.Keys.Where(to => !Legal[from].Contains(to)).ToList();
        illegal.ShouldNotBeEmpty();
        var state = await App.StateOfAsync(incident.Id);

        foreach (var to in illegal)
        {
            using var response = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/status", new { status = to });
            var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
            problem.Code.ShouldBe("transition_not_allowed", $"{from} → {to}");
            problem.Detail.ShouldNotBeNull().ShouldContain($"from {from} to {to}");
            (await App.StateOfAsync(incident.Id)).ShouldBe(state, $"{from} → {to} was refused but changed the incident");
        }
    }

    // ---------------------------------------------------------------- notes and timeline

    [Fact]
    public async Task Notes_and_timeline_record_every_change_in_order()
    {
        var maya = await Maya;
        var olivia = await App.ClientForAsync(DemoDirectory.Olivia);
        var sam = App.Demo.User(DemoDirectory.Sam);
        var (incident, r) = await maya.CreateIncidentAsync(Nwa, "Timeline test", "Sev2", "We are on it.");
        r.Dispose();
        await maya.AcknowledgeAsync(incident.Id);
        using (var assign = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/assign", new { assigneeId = sam.Id })) assign.EnsureSuccessStatusCode();
        await maya.ChangeStatusAsync(incident.Id, "Investigating", "Looking at the kiosks.");

        using (var internalNote = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/notes", new { text = "  Root cause: sensor driver.  ", visibility = "Internal" }))
        {
            var entry = await internalNote.ReadAsync<TimelineDto>(HttpStatusCode.Created);
            internalNote.Headers.Location!.ToString().ShouldBe($"/api/v1/incidents/{incident.Id}/timeline#{entry.Sequence}");
            entry.ShouldSatisfyAllConditions(
                e => e.Sequence.ShouldBe(5), e => e.Kind.ShouldBe("Note"), e => e.Visibility.ShouldBe("Internal"),
                e => e.Text.ShouldBe("Root cause: sensor driver."), e => e.Actor.ShouldBe("Maya Chen"));
        }
        var update = await maya.AddNoteAsync(incident.Id, "Kiosks back within the hour.", "Customer");
        (update.Kind, update.Visibility).ShouldBe(("Note", "Customer"));
        var comment = await olivia.AddNoteAsync(incident.Id, "Thanks, gate B first please.", "Customer");
        (comment.Kind, comment.Visibility, comment.Actor).ShouldBe(("CustomerComment", "Customer", "Olivia Grant"));

        var timeline = await maya.TimelineAsync(incident.Id);
        timeline.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, 7));
        timeline.Select(e => e.Kind).ShouldBe(["Opened", "Acknowledged", "Assigned", "StatusChanged", "Note", "Note", "CustomerComment"]);
        timeline.Select(e => e.Visibility).ShouldBe(["Customer", "Customer", "Customer", "Customer", "Internal", "Customer", "Customer"]);
        timeline.Select(e => e.Text).ShouldBe([
            "Opened Sev2: Timeline test", "Acknowledged by Maya Chen", "Assigned to Sam Okafor",
            "Status changed from Acknowledged to Investigating: Looking at the kiosks.", "Root cause: sensor driver.",
            "Kiosks back within the hour.", "Thanks, gate B first please."]);
        timeline.Zip(timeline.Skip(1)).ShouldAllBe(p => p.First.At <= p.Second.At);

        // the customer sees the same history without the internal note, numbered among what it may see
        // (so the numbering gives away nothing about internal notes)
        var seenByCustomer = await olivia.TimelineAsync(incident.Id);
        seenByCustomer.Select(e => e.Sequence).ShouldBe([1, 2, 3, 4, 5, 6]);
        seenByCustomer.Select(e => e.Text).ShouldBe(timeline.Where(e => e.Visibility == "Customer").Select(e => e.Text));
        seenByCustomer.ShouldAllBe(e => e.Visibility == "Customer");

        var stored = await App.StateOfAsync(incident.Id);
        stored.TimelineLength.ShouldBe(7);
    }

    [Fact]
    public async Task Customer_status_follows_each_change_at_once_with_customer_visible_updates_only()
    {
        var maya = await Maya;
        var olivia = await App.ClientForAsync(DemoDirectory.Olivia);
        var url = $"/api/v1/tenants/{Nwa}/status";
        var (incident, r) = await maya.CreateIncidentAsync(Nwa, "Status page test", "Sev1", "Boarding passes print slowly.");
        r.Dispose();

        async Task<System.Text.Json.JsonElement> StatusAsync()
        {
            using var response = await olivia.GetAsync(url, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            response.Headers.ETag.ShouldNotBeNull();
            return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
        }
        System.Text.Json.JsonElement? Entry(System.Text.Json.JsonElement status) =>
            status.GetProperty("incidents").EnumerateArray().Cast<System.Text.Json.JsonElement?>()
                .FirstOrDefault(i => i!.Value.GetProperty("reference").GetString() == incident.Reference);

        var first = await StatusAsync();
        Entry(first).ShouldNotBeNull("a new incident shows at once").GetProperty("summary").GetString().ShouldBe("Boarding passes print slowly.");
        var open = await App.QueryAsync(db => db.Incidents.AsNoTracking()
            .CountAsync(i => i.TenantId == Nwa && i.Status != IncidentStatus.Resolved && i.Status != IncidentStatus.Closed));
        first.GetProperty("openIncidents").GetInt32().ShouldBe(open);

        var update = $"Printers restarted {Guid.NewGuid():N}";
        var secret = $"Secret {Guid.NewGuid():N}";
        await maya.AddNoteAsync(incident.Id, update, "Customer");
        await maya.AddNoteAsync(incident.Id, secret, "Internal");
        var second = Entry(await StatusAsync()).ShouldNotBeNull();
        var texts = second.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("text").GetString()).ToList();
        texts.ShouldContain(update, "the cached status is dropped when the tenant changes");
        texts.ShouldNotContain(t => t!.Contains(secret));

        await maya.AcknowledgeAsync(incident.Id);
        var resolved = await maya.ChangeStatusAsync(incident.Id, "Resolved", "All printers work.");
        Entry(await StatusAsync()).ShouldNotBeNull("resolved incidents stay visible for a day").GetProperty("status").GetString().ShouldBe("Resolved");
        await maya.ChangeStatusAsync(incident.Id, "Closed", ifMatch: $"\"{resolved.Version}\"");
        Entry(await StatusAsync()).ShouldNotBeNull("closed within its day of being resolved: still there, as Closed")
            .GetProperty("status").GetString().ShouldBe("Closed");
        (await StatusAsync()).GetProperty("openIncidents").GetInt32().ShouldBe(open - 1, "and not counted as open");

        // A day after it was resolved, it leaves the page.
        await App.QueryAsync(db => db.Incidents.Where(i => i.Id == incident.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(i => i.ResolvedAt, DateTimeOffset.UtcNow.AddHours(-25)), Ct));
        (await maya.CreateIncidentAsync(Nwa, "A later change drops the cached status", "Sev4")).Response.Dispose();
        Entry(await StatusAsync()).ShouldBeNull("resolved more than a day ago");
    }

    // ---------------------------------------------------------------- optimistic concurrency

    [Fact]
    public async Task Stale_if_match_answers_409_with_the_current_version_and_changes_nothing()
    {
        var maya = await Maya;
        var (incident, response) = await maya.CreateIncidentAsync(Nwa, "Stale test", "Sev2");
        var stale = response.ETagOf();
        response.Dispose();
        var current = await maya.AcknowledgeAsync(incident.Id); // someone else moved it on
        var state = await App.StateOfAsync(incident.Id);

        var attempts = new (string Route, object? Body)[]
        {
            ("status", new { status = "Investigating" }),
            ("assign", new { assigneeId = App.Demo.User(DemoDirectory.Sam).Id }),
            ("acknowledge", null),
        };
        foreach (var (route, body) in attempts)
        {
            foreach (var ifMatch in new[] { stale, $"W/{stale}", stale.Trim('"') })
            {
                using var refused = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/{route}", body, ifMatch);
                var problem = await refused.ReadProblemAsync(HttpStatusCode.Conflict);
                problem.Code.ShouldBe("stale_version", $"{route} with If-Match {ifMatch}");
                problem.CurrentVersion.ShouldBe(current.Version);
                (await App.StateOfAsync(incident.Id)).ShouldBe(state, $"{route} with a stale If-Match changed the incident");
            }
        }

        // the current ETag (strong, weak or *) is accepted
        using (var ok = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/status", new { status = "Investigating" }, $"\"{current.Version}\""))
        {
            ok.StatusCode.ShouldBe(HttpStatusCode.OK);
            current = await ok.ReadAsync<IncidentDto>();
        }
        using (var weak = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/status", new { status = "Mitigating" }, $"W/\"{current.Version}\""))
        {
            weak.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        using (var any = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/status", new { status = "Monitoring" }, "*"))
        {
            any.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task Notes_and_changes_without_If_Match_landing_together_all_succeed()
    {
        var maya = await Maya;
        var liam = await App.ClientForAsync(DemoDirectory.Liam);
        var incident = await IncidentInAsync("Acknowledged", "Busy incident");
        var before = await App.StateOfAsync(incident.Id);

        // What the soak found: a note refused 409 because a severity change committed between its read and its save.
        var calls = Enumerable.Range(0, 12).Select(i => i % 3 == 2
            ? liam.PostJsonAsync($"/api/v1/incidents/{incident.Id}/severity", new { severity = i % 2 == 0 ? "Sev2" : "Sev3" })
            : (i % 2 == 0 ? maya : liam).PostJsonAsync($"/api/v1/incidents/{incident.Id}/notes", new { text = $"Busy note {i}", visibility = "Internal" })).ToList();
        var responses = await Task.WhenAll(calls);
        try
        {
            foreach (var response in responses)
                ((int)response.StatusCode).ShouldBeInRange(200, 201, await response.Content.ReadAsStringAsync(Ct));
        }
        finally
        {
            foreach (var response in responses) response.Dispose();
        }
        var after = await App.StateOfAsync(incident.Id);
        after.Timeline.Split('\n').Count(e => e.Contains(":Note:", StringComparison.Ordinal) && e.Contains("Busy note", StringComparison.Ordinal)).ShouldBe(8);
        after.TimelineLength.ShouldBeGreaterThanOrEqualTo(before.TimelineLength + 8);
    }

    [Fact]
    public async Task Two_concurrent_edits_of_the_same_version_never_both_win()
    {
        var maya = await Maya;
        var liam = await App.ClientForAsync(DemoDirectory.Liam);
        for (var round = 0; round < 3; round++)
        {
            var incident = await IncidentInAsync("Acknowledged", $"Race {round}");
            var etag = $"\"{incident.Version}\"";
            var before = await App.StateOfAsync(incident.Id);

            var a = maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/status", new { status = "Investigating" }, etag);
            var b = liam.PostJsonAsync($"/api/v1/incidents/{incident.Id}/status", new { status = "Mitigating" }, etag);
            using var ra = await a;
            using var rb = await b;
            var codes = new[] { ra.StatusCode, rb.StatusCode };
            var bodies = $"{await ra.Content.ReadAsStringAsync(Ct)}\n{await rb.Content.ReadAsStringAsync(Ct)}";
            codes.Count(c => c == HttpStatusCode.OK).ShouldBe(1, $"exactly one edit wins: {bodies}");
            codes.Count(c => c == HttpStatusCode.Conflict).ShouldBe(1, $"the other gets 409: {bodies}");
            var loser = ra.StatusCode == HttpStatusCode.Conflict ? ra : rb;
            (await loser.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("stale_version");

            var after = await App.StateOfAsync(incident.Id);
            after.TimelineLength.ShouldBe(before.TimelineLength + 1, "one timeline entry for the one winning change");
            after.Timeline.Split('\n').Length.ShouldBe(before.TimelineLength + 1);
        }
    }
}

public sealed class IncidentApiOnSqlite(SqliteApp app) : IncidentApiTests(app), IClassFixture<SqliteApp>;

public sealed class IncidentApiOnPostgreSql(PostgresApp app) : IncidentApiTests(app), IClassFixture<PostgresApp>;
