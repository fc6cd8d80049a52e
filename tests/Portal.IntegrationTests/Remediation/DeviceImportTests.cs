using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// CSV import of affected devices end to end (upload → Hangfire job → batches), run unchanged on SQLite and PostgreSQL.
/// The app runs with batches of <see cref="ImportApp.BatchSize"/> rows and small limits, so files here cross several
/// batches. Expected values are written from the file the test makes; the database, read with system access, is the oracle.
/// </summary>
public abstract class DeviceImportTests(ImportApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Nwa => app.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Woodgrove => app.Demo.TenantId(DemoDirectory.Woodgrove);
    private Task<HttpClient> Maya => app.ClientForAsync(DemoDirectory.Maya);

    private async Task<Guid> IncidentAsync(string title, Guid? tenant = null, string email = DemoDirectory.Maya)
    {
        var client = await app.ClientForAsync(email);
        var (incident, response) = await client.CreateIncidentAsync(tenant ?? Nwa, title, "Sev2");
        response.Dispose();
        return incident.Id;
    }

    private static string Prefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    private async Task ShouldMatchTheDatabaseAsync(Guid tenant, Guid incidentId, string keyPrefix, int devices, int tasks)
    {
        var counts = await app.CountsAsync(tenant, incidentId, keyPrefix);
        counts.Devices.ShouldBe(devices, "devices in the tenant");
        counts.Tasks.ShouldBe(tasks, "tasks on the incident");
        counts.TasksDistinctDevices.ShouldBe(tasks, "one task per device");
        counts.Pending.ShouldBe(counts.Tasks, "the progress counter equals a direct count");
        counts.ProgressTotal.ShouldBe(counts.Tasks);
    }

    [Fact]
    public async Task Blank_lines_before_the_header_are_skipped_and_the_header_is_never_a_device()
    {
        var incident = await IncidentAsync("Import: blank first lines");
        var maya = await Maya;
        var p = Prefix();
        // As Excel or a script writes them: a BOM, CRLF, empty lines before the header.
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes($"\r\n\r\nhostname,os\r\n{p}-1,Windows 11\r\n{p}-2,Windows 11\r\n")).ToArray();
        using var accepted = await maya.UploadBytesAsync(incident, bytes);
        var import = await maya.WaitForImportAsync((await accepted.ReadAsync<ImportDto>(HttpStatusCode.Accepted)).Id);
        (import.Status, import.RowsRead, import.TasksCreated, import.ErrorCount).ShouldBe(("Completed", 2L, 2L, 0L));
        (await maya.AllTasksAsync(incident)).Select(t => t.Title).Order().ToList().ShouldBe([$"{p}-1", $"{p}-2"], "the header line is no device");
        (await app.QueryAsync(db => db.Devices.AnyAsync(d => d.TenantId == Nwa && d.Hostname == "hostname"))).ShouldBeFalse();
    }

    [Fact]
    public async Task A_file_name_with_control_characters_is_kept_without_them_and_the_import_completes()
    {
        var incident = await IncidentAsync("Import: odd file name");
        var maya = await Maya;
        var p = Prefix();
        var import = await maya.ImportAsync(incident, $"hostname\n{p}-1\n{p}-2\n", fileName: "bad\u0007name\u001B.csv");
        (import.Status, import.FileName, import.TasksCreated).ShouldBe(("Completed", "badname.csv", 2L));
        (await app.RemediationTimelineAsync(incident)).ShouldContain("Customer:Imported 2 affected devices");
    }

    [Fact]
    public async Task A_record_longer_than_the_limit_is_refused_even_when_it_ends_in_the_next_chunk_of_the_upload()
    {
        var incident = await IncidentAsync("Import: long record");
        var maya = await Maya;
        var csv = "hostname,notes\n" + "pc-long," + new string('a', new Portal.Features.Remediation.DeviceImportOptions().MaxRecordBytes + 4_000) + "\npc-2,short\n";
        using var response = await maya.UploadCsvAsync(incident, csv);
        (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("record_too_long");
        await NothingQueuedAsync(incident);
    }

    [Fact]
    public async Task A_semicolon_file_with_BOM_and_quoted_fields_imports_every_device_with_its_values()
    {
        var incident = await IncidentAsync("Import: BOM and semicolons");
        var p = Prefix();
        var csv = new StringBuilder("\uFEFFHostname;External_ID;OS;Site;Tags\r\n");
        csv.Append(CultureInfo($"pos-{p}-1;{p}-1;Windows 11;\"Ørestad \"\"North\"\"\";\"pos; kiosk\"\r\n"));
        csv.Append(CultureInfo($"\"pos-{p}-2\";{p}-2;;\"Gate 4; Terminal \"\"B\"\"\";\r\n"));
        for (var i = 3; i <= 100; i++) csv.Append(CultureInfo($"pos-{p}-{i};{p}-{i};Windows 10;Site {i % 7};lab\r\n"));

        var maya = await Maya;
        var import = await maya.ImportAsync(incident, csv.ToString(), "bom;semicolon.csv");

        import.Status.ShouldBe("Completed", import.Failure);
        (import.RowsRead, import.DevicesCreated, import.TasksCreated, import.ErrorCount, import.RowsUnchanged).ShouldBe((100L, 100L, 100L, 0L, 0L));
        import.LinesDone.ShouldBe(101);
        var devices = await app.QueryAsync(db => db.Devices.AsNoTracking().Where(d => d.TenantId == Nwa && d.MatchKey.StartsWith("ext:" + p)).ToDictionaryAsync(d => d.ExternalId!));
        devices[$"{p}-1"].Site.ShouldBe("Ørestad \"North\"");
        devices[$"{p}-1"].Tags.ShouldBe(",kiosk,pos,");
        devices[$"{p}-1"].OperatingSystem.ShouldBe("Windows 11");
        devices[$"{p}-1"].Hostname.ShouldBe($"pos-{p}-1");
        devices[$"{p}-2"].Site.ShouldBe("Gate 4; Terminal \"B\"");
        devices[$"{p}-2"].OperatingSystem.ShouldBeNull();
        devices[$"{p}-2"].Hostname.ShouldBe($"pos-{p}-2");
        await ShouldMatchTheDatabaseAsync(Nwa, incident, "ext:" + p, 100, 100);
        app.FilesInImportFolder().ShouldBeEmpty("a finished import's file is removed");
    }

    [Fact]
    public async Task A_comma_file_without_BOM_and_without_external_ids_matches_devices_by_hostname()
    {
        var incident = await IncidentAsync("Import: commas");
        var p = Prefix();
        var csv = new StringBuilder("hostname,os,tags\n");
        for (var i = 1; i <= 90; i++) csv.Append(CultureInfo($"HOST-{p}-{i},\"Windows, Server 2022\",\"a, b\"\n"));
        csv.Append(CultureInfo($"host-{p}-1,Windows,c\n")); // the same device as line 2, by hostname in any case

        var import = await (await Maya).ImportAsync(incident, csv.ToString());

        import.Status.ShouldBe("Completed", import.Failure);
        (import.RowsRead, import.DevicesCreated, import.TasksCreated, import.RowsUnchanged).ShouldBe((91L, 90L, 90L, 1L));
        var device = await app.QueryAsync(db => db.Devices.AsNoTracking().SingleAsync(d => d.TenantId == Nwa && d.MatchKey == $"host:host-{p}-1"));
        device.OperatingSystem.ShouldBe("Windows, Server 2022");
        device.Tags.ShouldBe(",a,b,", "an existing device is not changed by a later row");
        await ShouldMatchTheDatabaseAsync(Nwa, incident, "host:host-" + p, 90, 90);
    }

    [Fact]
    public async Task Duplicate_rows_in_one_file_make_one_device_and_one_task_each()
    {
        var incident = await IncidentAsync("Import: duplicates");
        var p = Prefix();
        var csv = new StringBuilder("hostname,external_id\n");
        // 60 devices; each appears twice next to each other (same batch) and once more 70 lines later (another batch).
        for (var i = 1; i <= 60; i++) csv.Append(CultureInfo($"d-{p}-{i},{p}-{i}\nd-{p}-{i},{p}-{i}\n"));
        for (var i = 1; i <= 60; i++) csv.Append(CultureInfo($"d-{p}-{i},{p}-{i}\n"));

        var import = await (await Maya).ImportAsync(incident, csv.ToString());

        import.Status.ShouldBe("Completed", import.Failure);
        (import.RowsRead, import.DevicesCreated, import.TasksCreated, import.RowsUnchanged, import.ErrorCount).ShouldBe((180L, 60L, 60L, 120L, 0L));
        await ShouldMatchTheDatabaseAsync(Nwa, incident, "ext:" + p, 60, 60);
    }

    [Fact]
    public async Task Importing_the_same_file_again_adds_nothing_and_writes_no_second_timeline_entry()
    {
        var incident = await IncidentAsync("Import: twice");
        var p = Prefix();
        var csv = new StringBuilder("hostname,external_id,site\n");
        for (var i = 1; i <= 150; i++) csv.Append(CultureInfo($"r-{p}-{i},{p}-{i},HQ\n"));
        var maya = await Maya;

        var first = await maya.ImportAsync(incident, csv.ToString(), "affected.csv");
        var second = await maya.ImportAsync(incident, csv.ToString(), "affected.csv");

        (first.Status, first.DevicesCreated, first.TasksCreated).ShouldBe(("Completed", 150L, 150L));
        (second.Status, second.RowsRead, second.DevicesCreated, second.TasksCreated, second.RowsUnchanged).ShouldBe(("Completed", 150L, 0L, 0L, 150L));
        await ShouldMatchTheDatabaseAsync(Nwa, incident, "ext:" + p, 150, 150);

        var timeline = await maya.TimelineAsync(incident);
        var entries = timeline.Where(t => t.Kind == "Remediation").ToList();
        entries.Count.ShouldBe(1);
        entries[0].Text.ShouldBe("Imported 150 affected devices", "the customer reads the count, not the MSP's file name");
        entries[0].Visibility.ShouldBe("Customer");
        var customer = await app.ClientForAsync(DemoDirectory.Olivia);
        (await customer.TimelineAsync(incident)).ShouldContain(t => t.Text == "Imported 150 affected devices", "the customer sees the summary");

        using var list = await maya.GetAsync($"/api/v1/incidents/{incident}/device-imports", Ct);
        var imports = await list.ReadAsync<ImportDto[]>();
        imports.Select(i => i.Id).ShouldBe([second.Id, first.Id]);
    }

    [Fact]
    public async Task Malformed_lines_are_reported_with_their_line_numbers_and_the_rest_is_imported()
    {
        var incident = await IncidentAsync("Import: malformed lines");
        var p = Prefix();
        var lines = new List<string> { "hostname,external_id,site,tags" };                 // line 1
        lines.Add($"ok-{p}-1,{p}-1,HQ,a");                                                  // 2
        lines.Add($",{p}-2,HQ,a");                                                          // 3 no hostname
        lines.Add($"ok-{p}-3,{p}-3,\"a site\nwith a line break\",a");                       // 4-5 one record over two lines: a control character
        lines.Add($"ok-{p}-4,{p}-4,HQ");                                                     // 6 too few fields
        lines.Add($"ok-{p}-5,{p}-5,HQ,a,extra");                                             // 7 too many fields
        lines.Add($"{new string('h', 300)},{p}-6,HQ,a");                                     // 8 hostname too long
        lines.Add($"ok-{p}-7,{new string('x', 200)},HQ,a");                                  // 9 external id too long
        lines.Add($"ok-{p}-8,{p}-8,bell\u0007site,a");                                      // 10 control character
        lines.Add("");                                                                      // 11 blank: ignored
        for (var i = 9; i <= 60; i++) lines.Add($"ok-{p}-{i},{p}-{i},HQ,a");                // 12..63 valid
        lines.Add($"ok-{p}-61,{p}-61,HQ,\"{string.Join(',', Enumerable.Range(0, 200).Select(n => "tag" + n))}\""); // 64 tags too long

        var maya = await Maya;
        var import = await maya.ImportAsync(incident, string.Join("\n", lines) + "\n");

        import.Status.ShouldBe("Completed", import.Failure);
        var report = await maya.ErrorReportAsync(import.Id);
        report.Raw.ShouldStartWith("\uFEFFline,hostname,reason\r\n");
        var errors = report.Rows.Skip(1).ToList();
        errors.Select(e => e[0]).ShouldBe(["3", "4", "6", "7", "8", "9", "10", "64"]);
        errors[0][1].ShouldBe("");
        errors[0][2].ShouldBe("The hostname cannot be empty.");
        errors[1][1].ShouldBe($"ok-{p}-3");
        errors[1][2].ShouldContain("site contains control characters");
        errors[2][2].ShouldBe("The line has 3 fields; the header has 4.");
        errors[3][2].ShouldBe("The line has 5 fields; the header has 4.");
        errors[4][2].ShouldContain("hostname is 300 characters");
        errors[4][1].Length.ShouldBe(255, "the hostname cell is cut to the hostname limit");
        errors[5][2].ShouldContain("external id is 200 characters");
        errors[6][2].ShouldContain("control characters");
        errors[7][2].ShouldContain("tags");
        const int valid = 53; // devices 1 and 9..60
        (import.RowsRead, import.ErrorCount, import.TasksCreated, import.LinesDone).ShouldBe((61L, 8L, (long)valid, 64L));
        await ShouldMatchTheDatabaseAsync(Nwa, incident, "ext:" + p, valid, valid);
    }

    [Fact]
    public async Task Formula_cells_in_the_error_report_are_neutralised()
    {
        var incident = await IncidentAsync("Import: formula cells");
        var p = Prefix();
        var tooLong = new string('x', 200);
        var csv = "hostname,external_id\n"
            + $"=HYPERLINK(1),{tooLong}\n"
            + $"+cmd|' /C calc'!A0,{tooLong}\n"
            + $"-2+3,{tooLong}\n"
            + $"@SUM(A1),{tooLong}\n"
            + $"plain-{p},{tooLong}\n"
            + $"ok-{p},{p}\n";
        var maya = await Maya;
        var import = await maya.ImportAsync(incident, csv);

        import.ErrorCount.ShouldBe(5);
        var (raw, rows) = await maya.ErrorReportAsync(import.Id);
        rows.Skip(1).Select(r => r[1]).ShouldBe(["'=HYPERLINK(1)", "'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1)", $"plain-{p}"]);
        raw.ShouldNotContain("\n=");
        raw.ShouldNotContain(",=");
        raw.ShouldNotContain(",+");
        raw.ShouldNotContain(",@");
    }

    [Fact]
    public async Task A_file_naming_another_tenants_external_ids_creates_this_tenants_devices_and_never_touches_the_others()
    {
        var p = Prefix();
        var woodgroveIncident = await IncidentAsync("Import: Woodgrove's devices", Woodgrove, DemoDirectory.Ines);
        var ines = await app.ClientForAsync(DemoDirectory.Ines);
        var theirs = new StringBuilder("hostname,external_id,site\n");
        for (var i = 1; i <= 50; i++) theirs.Append(CultureInfo($"wgb-{p}-{i},{p}-{i},Woodgrove HQ\n"));
        (await ines.ImportAsync(woodgroveIncident, theirs.ToString())).TasksCreated.ShouldBe(50);
        var before = await app.QueryAsync(db => db.Devices.AsNoTracking().Where(d => d.TenantId == Woodgrove && d.MatchKey.StartsWith("ext:" + p))
            .OrderBy(d => d.MatchKey).Select(d => d.Id + "|" + d.Hostname + "|" + d.Site + "|" + d.UpdatedAt).ToListAsync());

        var nwaIncident = await IncidentAsync("Import: same ids at Northwind");
        var ours = new StringBuilder("hostname,external_id,site\n");
        for (var i = 1; i <= 50; i++) ours.Append(CultureInfo($"nwa-{p}-{i},{p}-{i},Northwind ops\n"));
        var import = await (await Maya).ImportAsync(nwaIncident, ours.ToString());

        (import.DevicesCreated, import.TasksCreated).ShouldBe((50L, 50L));
        await ShouldMatchTheDatabaseAsync(Nwa, nwaIncident, "ext:" + p, 50, 50);
        await ShouldMatchTheDatabaseAsync(Woodgrove, woodgroveIncident, "ext:" + p, 50, 50);
        var after = await app.QueryAsync(db => db.Devices.AsNoTracking().Where(d => d.TenantId == Woodgrove && d.MatchKey.StartsWith("ext:" + p))
            .OrderBy(d => d.MatchKey).Select(d => d.Id + "|" + d.Hostname + "|" + d.Site + "|" + d.UpdatedAt).ToListAsync());
        after.ShouldBe(before);
        var nwaTaskDevices = await app.QueryAsync(db => db.RemediationTasks.AsNoTracking().Where(t => t.IncidentId == nwaIncident)
            .Join(db.Devices, t => t.DeviceId, d => (Guid?)d.Id, (t, d) => d.TenantId).Distinct().ToListAsync());
        nwaTaskDevices.ShouldBe([Nwa]);
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "empty", "empty_file" },
        { "blank lines only", "empty_file" },
        { "BOM only", "empty_file" },
        { "header only", "no_rows" },
        { "header and blank lines", "no_rows" },
        { "0x00 byte", "nul_byte" },
        { "UTF-16", "nul_byte" },
        { "invalid UTF-8", "invalid_utf8" },
        { "truncated UTF-8", "invalid_utf8" },
        { "no hostname column", "missing_hostname_column" },
        { "hostname twice", "duplicate_column" },
        { "51 columns", "too_many_columns" },
        { "unclosed quote", "unclosed_quote" },
    };

    private static byte[] BadFile(string name) => name switch
    {
        "empty" => [],
        "blank lines only" => "\r\n\n  \n"u8.ToArray(),
        "BOM only" => "\uFEFF"u8.ToArray(),
        "header only" => "hostname,external_id\r\n"u8.ToArray(),
        "header and blank lines" => "hostname,external_id\n\n\n"u8.ToArray(),
        "0x00 byte" => "hostname\nabc\0def\n"u8.ToArray(),
        "UTF-16" => Encoding.Unicode.GetBytes("hostname\nabc\n"),
        "invalid UTF-8" => [.. "hostname\nab"u8, 0xC3, 0x28, .. "\n"u8],
        "truncated UTF-8" => [.. "hostname\nab"u8, 0xE2, 0x82],
        "no hostname column" => "name,external_id\npc-1,1\n"u8.ToArray(),
        "hostname twice" => "hostname,HOSTNAME\npc-1,pc-1\n"u8.ToArray(),
        "51 columns" => Encoding.UTF8.GetBytes("hostname," + string.Join(',', Enumerable.Range(1, 50).Select(i => "c" + i)) + "\npc-1\n"),
        "unclosed quote" => "hostname,site\npc-1,\"HQ\npc-2,HQ\n"u8.ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_bad_file_is_refused_with_400_and_a_code_and_nothing_is_queued(string file, string code)
    {
        var incident = await IncidentAsync("Import: bad file " + file);
        var maya = await Maya;
        using var response = await maya.UploadBytesAsync(incident, BadFile(file));
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        problem.Code.ShouldBe(code, problem.Raw);
        problem.Detail.ShouldNotBeNullOrWhiteSpace();
        await NothingQueuedAsync(incident);
    }

    private async Task NothingQueuedAsync(Guid incident)
    {
        (await app.QueryAsync(db => db.DeviceImports.CountAsync(i => i.IncidentId == incident))).ShouldBe(0);
        (await app.QueryAsync(db => db.RemediationTasks.CountAsync(t => t.IncidentId == incident))).ShouldBe(0);
        app.FilesInImportFolder().ShouldBeEmpty("a refused upload leaves no file behind");
    }

    [Fact]
    public async Task Limits_refuse_too_many_rows_and_too_many_bytes_with_413_and_ten_thousand_columns_with_400()
    {
        var incident = await IncidentAsync("Import: limits");
        var maya = await Maya;
        var p = Prefix();

        // Rows: the limit itself is fine, one more is refused.
        var rows = new StringBuilder("hostname\n");
        for (var i = 1; i <= ImportApp.MaxRows; i++) rows.Append(CultureInfo($"r{i}\n"));
        var atLimit = Encoding.UTF8.GetBytes(rows.ToString());
        using (var tooMany = await maya.UploadBytesAsync(incident, [.. atLimit, .. "one-more\n"u8]))
        {
            var problem = await tooMany.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
            problem.Code.ShouldBe("too_many_rows", problem.Raw);
            problem.Detail!.ShouldContain("3,000");
        }
        await NothingQueuedAsync(incident);

        // Bytes, declared: refused from Content-Length before the body is read.
        var big = new byte[ImportApp.MaxBytes + 1];
        Array.Fill(big, (byte)'a');
        "hostname\n"u8.CopyTo(big);
        using (var declared = new ByteArrayContent(big))
        {
            declared.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            using var response = await maya.UploadRawAsync(incident, declared);
            var problem = await response.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
            problem.Code.ShouldBe("file_too_large", problem.Raw);
        }
        // Bytes, not declared (chunked): refused while streaming, as soon as the limit is passed.
        var source = new CountingStream(ImportApp.MaxBytes * 20);
        using (var chunked = new StreamContent(source))
        {
            chunked.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            using var response = await maya.UploadRawAsync(incident, chunked);
            var problem = await response.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
            problem.Code.ShouldBe("file_too_large", problem.Raw);
        }
        source.Produced.ShouldBeLessThan(ImportApp.MaxBytes * 4, "the upload is refused near the limit, not read to its end");

        // Columns: 10,000 is refused as soon as the header has arrived.
        var wide = "hostname," + string.Join(',', Enumerable.Range(1, 9_999).Select(i => "c" + i)) + "\npc-1\n";
        using (var response = await maya.UploadCsvAsync(incident, wide))
        {
            var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
            problem.Code.ShouldBeOneOf("too_many_columns", "record_too_long");
        }
        await NothingQueuedAsync(incident);

        // Positive control: the file at the row limit is taken.
        using var accepted = await maya.UploadBytesAsync(incident, Encoding.UTF8.GetBytes(rows.ToString().Replace("\nr", $"\n{p}-", StringComparison.Ordinal)));
        var import = await accepted.ReadAsync<ImportDto>(HttpStatusCode.Accepted);
        (await maya.WaitForImportAsync(import.Id)).TasksCreated.ShouldBe(ImportApp.MaxRows);
    }

    [Fact]
    public async Task A_gigabyte_upload_is_refused_before_it_is_read_and_nothing_is_written()
    {
        var incident = await IncidentAsync("Import: 1 GB");
        var maya = await Maya;
        var source = new CountingStream(1L << 30);
        using var content = new StreamContent(source);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Headers.ContentLength = 1L << 30;
        using var response = await maya.UploadRawAsync(incident, content);
        var problem = await response.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        problem.Code.ShouldBe("file_too_large");
        source.Produced.ShouldBeLessThan(16L << 20, "at most what was in flight was sent, not the gigabyte");
        await NothingQueuedAsync(incident);
    }

    /// <summary>Multipart bodies as a dropped connection, a proxy or a hand-made script leave them: (boundary, body).</summary>
    public static TheoryData<string, string, string> MalformedUploads => new()
    {
        { "no sections at all", "abc", "garbage" },
        { "an empty body", "abc", "" },
        { "a part cut off before its closing boundary", "abc", "--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.csv\"\r\n\r\nhostname\r\nweb-01\r\n" },
        { "a header line without a colon", "abc", "--abc\r\nthis is no header\r\n\r\nhostname\r\n--abc--\r\n" },
        { "a boundary longer than RFC 2046 allows", new string('b', 100), "--" + new string('b', 100) + "\r\n" },
    };

    [Theory]
    [MemberData(nameof(MalformedUploads))]
    public async Task A_malformed_multipart_body_is_refused_with_400_and_nothing_is_queued(string what, string boundary, string body)
    {
        var incident = await IncidentAsync("Import: malformed upload, " + what);
        var maya = await Maya;
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
        using var response = await maya.UploadRawAsync(incident, content);
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        problem.Code.ShouldBe("malformed_upload", problem.Raw);
        problem.Detail!.ShouldContain("send the file again");
        await NothingQueuedAsync(incident);
    }

    [Fact]
    public async Task A_text_csv_body_imports_like_a_form_upload()
    {
        var incident = await IncidentAsync("Import: text/csv body");
        var p = Prefix();
        var maya = await Maya;
        using var content = new StringContent($"hostname;id\nraw-{p}-1;{p}-1\nraw-{p}-2;{p}-2\n", Encoding.UTF8, "text/csv");
        using var response = await maya.PostAsync($"/api/v1/incidents/{incident}/device-imports?fileName=rmm-export.csv", content, Ct);
        var import = await response.ReadAsync<ImportDto>(HttpStatusCode.Accepted);
        import.FileName.ShouldBe("rmm-export.csv");
        (await maya.WaitForImportAsync(import.Id)).TasksCreated.ShouldBe(2);
        await ShouldMatchTheDatabaseAsync(Nwa, incident, "ext:" + p, 2, 2);
    }

    [Fact]
    public async Task Imports_are_MSP_only_foreign_ids_answer_404_and_customers_403()
    {
        var incident = await IncidentAsync("Import: access");
        var maya = await Maya;
        var import = await maya.ImportAsync(incident, $"hostname\naccess-{Prefix()}\n");
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);   // Northwind's customer admin
        var ines = await app.ClientForAsync(DemoDirectory.Ines);       // an engineer of another MSP

        using (var r = await olivia.UploadCsvAsync(incident, "hostname\nx\n")) (await r.ReadProblemAsync(HttpStatusCode.Forbidden)).ShouldNotBeNull();
        using (var r = await ines.UploadCsvAsync(incident, "hostname\nx\n")) (await r.ReadProblemAsync(HttpStatusCode.NotFound)).ShouldNotBeNull();
        using (var r = await maya.UploadCsvAsync(Guid.NewGuid(), "hostname\nx\n")) (await r.ReadProblemAsync(HttpStatusCode.NotFound)).ShouldNotBeNull();
        foreach (var url in new[] { $"/api/v1/device-imports/{import.Id}", $"/api/v1/device-imports/{import.Id}/errors.csv", $"/api/v1/incidents/{incident}/device-imports" })
        {
            using (var r = await olivia.GetAsync(url, Ct)) r.StatusCode.ShouldBe(HttpStatusCode.Forbidden, url);
            using (var r = await ines.GetAsync(url, Ct)) r.StatusCode.ShouldBe(HttpStatusCode.NotFound, url);
            using (var r = await maya.GetAsync(url, Ct)) r.StatusCode.ShouldBe(HttpStatusCode.OK, url);
        }
        using (var r = await maya.GetAsync($"/api/v1/device-imports/{Guid.NewGuid()}", Ct)) r.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await app.QueryAsync(db => db.DeviceImports.CountAsync(i => i.IncidentId == incident))).ShouldBe(1, "only Maya's import exists");
    }

    private static string CultureInfo(FormattableString s) => s.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A body of <paramref name="length"/> bytes made as it is read ("hostname\n" then lines of 1,000 letters), counting what was read.</summary>
public sealed class CountingStream(long length) : Stream
{
    private long _position;
    public long Produced => Interlocked.Read(ref _position);
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - _position);
        if (n <= 0) return 0;
        var span = buffer.AsSpan(offset, n);
        span.Fill((byte)'a');
        for (var i = 0; i < n; i++)
        {
            if ((_position + i) % 1000 == 999) span[i] = (byte)'\n';
        }
        if (_position == 0) "hostname\n"u8[..Math.Min(9, n)].CopyTo(span);
        Interlocked.Add(ref _position, n);
        return n;
    }
}

public sealed class DeviceImportTestsOnSqlite(ImportSqliteApp app) : DeviceImportTests(app), IClassFixture<ImportSqliteApp>;

public sealed class DeviceImportTestsOnPostgreSql(ImportPostgresApp app) : DeviceImportTests(app), IClassFixture<ImportPostgresApp>;
