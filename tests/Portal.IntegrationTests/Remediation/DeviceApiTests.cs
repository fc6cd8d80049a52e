namespace Portal.IntegrationTests.Remediation;

/// <summary>Devices per tenant: create, duplicates, update, keyset paging and filters, who may and may not. SQLite and PostgreSQL.</summary>
public abstract class DeviceApiTests(PortalApp app)
{
    protected PortalApp App { get; } = app;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Nwa => App.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Tailspin => App.Demo.TenantId("Tailspin Logistics");
    private Guid Fabrikam => App.Demo.TenantId("Fabrikam Health");
    private Task<HttpClient> Maya => App.ClientForAsync(DemoDirectory.Maya);
    private static readonly string[] KioskTags = ["POS", " kiosk ", "pos"];

    private static async Task<(DeviceDto Device, HttpResponseMessage Response)> CreateAsync(HttpClient client, Guid tenantId, object body)
    {
        var response = await client.PostJsonAsync($"/api/v1/tenants/{tenantId}/devices", body);
        if (response.StatusCode != HttpStatusCode.Created) return (null!, response);
        return (await response.ReadAsync<DeviceDto>(HttpStatusCode.Created), response);
    }

    [Fact]
    public async Task Create_normalises_tags_and_refuses_a_second_device_with_the_same_key_in_the_tenant_only()
    {
        var maya = await Maya;
        var (device, response) = await CreateAsync(maya, Nwa, new { hostname = " NWA-KIOSK-B01 ", externalId = "kiosk-b01", operatingSystem = "Windows 11 IoT", site = "Gate B", tags = KioskTags });
        using (response)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Created);
            response.Headers.Location!.ToString().ShouldBe($"/api/v1/devices/{device.Id}");
        }
        device.ShouldSatisfyAllConditions(
            d => d.Hostname.ShouldBe("NWA-KIOSK-B01"),
            d => d.ExternalId.ShouldBe("kiosk-b01"),
            d => d.Tags.ShouldBe(["kiosk", "pos"]),
            d => d.TenantId.ShouldBe(Nwa));

        using (var get = await maya.GetAsync($"/api/v1/devices/{device.Id}", Ct))
        {
            (await get.ReadAsync<DeviceDto>()).Id.ShouldBe(device.Id);
        }

        var before = (await App.DevicesOfAsync(Nwa)).Count;
        var (_, duplicate) = await CreateAsync(maya, Nwa, new { hostname = "another-name", externalId = "kiosk-b01" });
        using (duplicate) (await duplicate.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("duplicate_device");
        (await App.DevicesOfAsync(Nwa)).Count.ShouldBe(before, "a refused duplicate adds nothing");

        // the key is per tenant: the same external id in another tenant is another device
        var (_, elsewhere) = await CreateAsync(maya, Fabrikam, new { hostname = "FAB-KIOSK", externalId = "kiosk-b01" });
        elsewhere.StatusCode.ShouldBe(HttpStatusCode.Created);
        elsewhere.Dispose();

        // without an external id the hostname is the key, case-insensitively
        var (_, first) = await CreateAsync(maya, Nwa, new { hostname = "NWA-NOEXT-1" });
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        first.Dispose();
        var (_, second) = await CreateAsync(maya, Nwa, new { hostname = "nwa-noext-1" });
        using (second) (await second.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("duplicate_device");
    }

    [Fact]
    public async Task Concurrent_creates_of_one_key_make_one_device_and_409s()
    {
        var maya = await Maya;
        var sam = await App.ClientForAsync(DemoDirectory.Sam);
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            (i % 2 == 0 ? maya : sam).PostJsonAsync($"/api/v1/tenants/{Nwa}/devices", new { hostname = $"NWA-RACE-{i}", externalId = "race-1" })));
        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            (await refused.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("duplicate_device");
        }
        foreach (var r in responses) r.Dispose();
        (await App.DevicesOfAsync(Nwa)).Count(d => d.ExternalId == "race-1").ShouldBe(1);
    }

    [Fact]
    public async Task Update_changes_the_fields_and_refuses_a_key_another_device_has()
    {
        var maya = await Maya;
        var (device, r) = await CreateAsync(maya, Nwa, new { hostname = "NWA-UPD-1", externalId = "upd-1", site = "HQ" });
        r.Dispose();
        using (var put = await maya.SendRawAsync(HttpMethod.Put, $"/api/v1/devices/{device.Id}",
                   """{"hostname":"NWA-UPD-1","externalId":"upd-1b","site":"Branch","operatingSystem":"Windows 11","tags":["laptop"]}"""))
        {
            var updated = await put.ReadAsync<DeviceDto>();
            updated.ShouldSatisfyAllConditions(d => d.ExternalId.ShouldBe("upd-1b"), d => d.Site.ShouldBe("Branch"), d => d.Tags.ShouldBe(["laptop"]));
        }

        var taken = (await App.DevicesOfAsync(Nwa)).First(d => d.ExternalId == "rmm-nwa-00001");
        using (var clash = await maya.SendRawAsync(HttpMethod.Put, $"/api/v1/devices/{device.Id}", """{"hostname":"NWA-UPD-1","externalId":"rmm-nwa-00001"}"""))
        {
            (await clash.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("duplicate_device");
        }
        var stored = (await App.DevicesOfAsync(Nwa)).Single(d => d.Id == device.Id);
        stored.ExternalId.ShouldBe("upd-1b", "the refused update left the device as it was");
        (await App.DevicesOfAsync(Nwa)).Single(d => d.Id == taken.Id).Hostname.ShouldBe(taken.Hostname);

        using (var empty = await maya.SendRawAsync(HttpMethod.Put, $"/api/v1/devices/{device.Id}", """{"hostname":"  "}"""))
        {
            (await empty.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("hostname");
        }
    }

    [Fact]
    public async Task Keyset_paging_walks_every_device_of_the_tenant_exactly_once()
    {
        var maya = await Maya;
        var expected = await App.DevicesOfAsync(Tailspin);
        expected.Count.ShouldBe(60, "the demo tenant's devices");
        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            using var response = await maya.GetAsync($"/api/v1/tenants/{Tailspin}/devices?limit=7{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}", Ct);
            var page = await response.ReadAsync<DevicePageDto>();
            page.Items.Length.ShouldBeLessThanOrEqualTo(7);
            if (page.Next is not null) page.Items.Length.ShouldBe(7, "only the last page is short");
            seen.AddRange(page.Items.Select(d => d.Id));
            cursor = page.Next;
            pages++;
        } while (cursor is not null && pages < 100);
        pages.ShouldBe(9); // 8 × 7 + 4
        seen.Count.ShouldBe(seen.Distinct().Count(), "no device twice");
        seen.ShouldBe(expected.Select(d => d.Id), ignoreOrder: true);
    }

    [Fact]
    public async Task Filters_narrow_by_prefix_os_site_and_tag()
    {
        var maya = await Maya;
        var all = await App.DevicesOfAsync(Tailspin);
        async Task<Guid[]> Ids(string query)
        {
            using var response = await maya.GetAsync($"/api/v1/tenants/{Tailspin}/devices?limit=500&{query}", Ct);
            return [.. (await response.ReadAsync<DevicePageDto>()).Items.Select(d => d.Id)];
        }

        var cases = new (string Query, Func<Portal.Domain.Device, bool> Expected)[]
        {
            ("q=tsl-srv", d => d.Hostname.StartsWith("TSL-SRV", StringComparison.OrdinalIgnoreCase)),
            ("q=rmm-tsl-0001", d => d.ExternalId!.StartsWith("rmm-tsl-0001", StringComparison.Ordinal)),
            ("os=windows%20server%202022", d => d.OperatingSystem == "Windows Server 2022"),
            ("site=Branch", d => d.Site == "Branch"),
            ("tag=LAPTOP", d => d.Tags.Contains(",laptop,")),
            ("tag=server&site=HQ", d => d.Tags.Contains(",server,") && d.Site == "HQ"),
        };
        foreach (var (query, predicate) in cases)
        {
            var expected = all.Where(predicate).Select(d => d.Id).ToList();
            expected.ShouldNotBeEmpty($"the demo data has devices for {query}");
            (await Ids(query)).ShouldBe(expected, ignoreOrder: true, query);
        }
    }

    [Fact]
    public async Task Bad_limits_and_cursors_are_400_with_the_field()
    {
        var maya = await Maya;
        foreach (var (query, field) in new[] { ("limit=0", "limit"), ("limit=501", "limit"), ("cursor=not-a-cursor", "cursor"), ("cursor=dGFzazox", "cursor") })
        {
            using var response = await maya.GetAsync($"/api/v1/tenants/{Tailspin}/devices?{query}", Ct);
            (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey(field, query);
        }
    }

    [Fact]
    public async Task Customers_get_403_and_other_tenants_users_404()
    {
        var device = (await App.DevicesOfAsync(Nwa)).First();
        var olivia = await App.ClientForAsync(DemoDirectory.Olivia);
        foreach (var (method, url, body) in new (HttpMethod, string, string?)[]
                 {
                     (HttpMethod.Get, $"/api/v1/tenants/{Nwa}/devices", null),
                     (HttpMethod.Post, $"/api/v1/tenants/{Nwa}/devices", """{"hostname":"x"}"""),
                     (HttpMethod.Get, $"/api/v1/devices/{device.Id}", null),
                     (HttpMethod.Put, $"/api/v1/devices/{device.Id}", """{"hostname":"x"}"""),
                 })
        {
            using (var refused = await olivia.SendRawAsync(method, url, body))
            {
                (await refused.ReadProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldNotBeNull();
            }
            foreach (var outsider in new[] { DemoDirectory.Ines, DemoDirectory.Hana })
            {
                var client = await App.ClientForAsync(outsider);
                using var notFound = await client.SendRawAsync(method, url, body);
                var problem = await notFound.ReadProblemAsync(HttpStatusCode.NotFound);
                problem.Detail!.ShouldNotContain(device.Hostname);
            }
        }
        (await App.DevicesOfAsync(Nwa)).Single(d => d.Id == device.Id).Hostname.ShouldBe(device.Hostname);
    }
}

public sealed class DeviceApiOnSqlite(SqliteApp app) : DeviceApiTests(app), IClassFixture<SqliteApp>;

public sealed class DeviceApiOnPostgreSql(PostgresApp app) : DeviceApiTests(app), IClassFixture<PostgresApp>;
