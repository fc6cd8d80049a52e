using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Infrastructure.Data;

/// <summary>
/// A replay of a CrowdStrike-like morning with fictional names: a security vendor's sensor update has
/// crashed Windows machines at 04:09 UTC; two MSPs are triaging five customer tenants. Seeded once.
/// </summary>
public static class DemoData
{
    public sealed record DemoUser(string Name, string Email, string Organisation, Role Role);

    public const string SecurityVendor = "Sentinel Shield Security";
    public const string CloudProvider = "Nimbus Cloud";
    public const string HarborMsp = "Harbor IT Partners";
    public const string BluepeakMsp = "Bluepeak Managed Services";
    public const string Platform = "Portal Operations";
    public const string SensorAdvisoryTitle = "ShieldSensor content update 291 crashes Windows hosts";

    public static readonly (string Name, string Prefix, string Msp, int Devices)[] Customers =
    [
        ("Northwind Airways", "NWA", HarborMsp, 120),
        ("Fabrikam Health", "FAB", HarborMsp, 80),
        ("Tailspin Logistics", "TSL", HarborMsp, 60),
        ("Woodgrove Bank", "WGB", BluepeakMsp, 90),
        ("Alpine Ski House", "ASH", BluepeakMsp, 40),
    ];

    public static readonly DemoUser[] Users =
    [
        new("Priya Raman", "priya@sentinelshield.example", SecurityVendor, Role.ProviderPublisher),
        new("Tom Becker", "tom@sentinelshield.example", SecurityVendor, Role.ProviderViewer),
        new("Grace Liu", "grace@nimbuscloud.example", CloudProvider, Role.ProviderPublisher),
        new("Maya Chen", "maya@harborit.example", HarborMsp, Role.MspEngineer),
        new("Sam Okafor", "sam@harborit.example", HarborMsp, Role.MspEngineer),
        new("Liam O'Brien", "liam@harborit.example", HarborMsp, Role.MspLead),
        new("Ines Duarte", "ines@bluepeak.example", BluepeakMsp, Role.MspEngineer),
        new("Jonas Berg", "jonas@bluepeak.example", BluepeakMsp, Role.MspLead),
        new("Olivia Grant", "olivia@northwindairways.example", "Northwind Airways", Role.CustomerAdmin),
        new("Noah Patel", "noah@northwindairways.example", "Northwind Airways", Role.CustomerViewer),
        new("Emma Rossi", "emma@fabrikamhealth.example", "Fabrikam Health", Role.CustomerViewer),
        new("Lucas Meyer", "lucas@tailspin.example", "Tailspin Logistics", Role.CustomerAdmin),
        new("Hana Sato", "hana@woodgrovebank.example", "Woodgrove Bank", Role.CustomerAdmin),
        new("Felix Novak", "felix@alpineskihouse.example", "Alpine Ski House", Role.CustomerViewer),
        new("Ada Lovelace", "ada@portal.example", Platform, Role.PlatformAdmin),
    ];

    /// <summary>A machine client of an MSP: its RMM tool, signing in with an app-only token (see MachineClients).</summary>
    public sealed record DemoIntegration(Guid Id, string Name, string Email, string Msp);

    /// <summary>
    /// One RMM integration per MSP, with fixed ids so scripts and docs can name them: the id is both the Portal user id
    /// and the Entra object id of the (pretend) service principal. POST /dev/token with the email gives an app-only token.
    /// </summary>
    public static readonly DemoIntegration[] Integrations =
    [
        new(new Guid("0b7e5a1c-4d2f-4c1e-9a6b-0000000000a1"), "Harbor IT RMM", "rmm@harborit.example", HarborMsp),
        new(new Guid("0b7e5a1c-4d2f-4c1e-9a6b-0000000000b1"), "Bluepeak RMM", "rmm@bluepeak.example", BluepeakMsp),
    ];

    private static readonly (string Title, Severity Severity, string Summary, int Step)[] Scenario =
    [
        ("Windows devices boot-looping after ShieldSensor update", Severity.Sev1,
            "Many of your Windows computers show a blue screen and restart. We are restoring them one by one.", 3),
        ("Check-in kiosks offline at the main site", Severity.Sev2,
            "Self-service kiosks are down; staff desks are working.", 2),
        ("BitLocker recovery keys needed for laptops", Severity.Sev2,
            "Some laptops ask for a recovery key after the fix; we are retrieving keys.", 1),
        ("Nimbus virtual desktops slow to start in West Europe", Severity.Sev3,
            "Virtual desktops take several minutes to start.", 0),
        ("Print queue backlog after restarts", Severity.Sev4, "Printing may be delayed.", 4),
    ];

    public static async Task SeedOnceAsync(PortalDbContext db, DateTimeOffset now)
    {
        if (await db.Organisations.AnyAsync()) return;

        var rng = new Random(2024_07_19);
        var outageStart = now.AddHours(-3);
        var orgs = new Dictionary<string, Organisation>
        {
            [SecurityVendor] = new(Guid.NewGuid(), SecurityVendor, OrganisationKind.Provider, Guid.NewGuid()),
            [CloudProvider] = new(Guid.NewGuid(), CloudProvider, OrganisationKind.Provider, Guid.NewGuid()),
            [HarborMsp] = new(Guid.NewGuid(), HarborMsp, OrganisationKind.Msp, Guid.NewGuid()),
            [BluepeakMsp] = new(Guid.NewGuid(), BluepeakMsp, OrganisationKind.Msp, Guid.NewGuid()),
            [Platform] = new(Guid.NewGuid(), Platform, OrganisationKind.Platform, Guid.NewGuid()),
        };
        foreach (var c in Customers) orgs[c.Name] = new Organisation(Guid.NewGuid(), c.Name, OrganisationKind.Customer, Guid.NewGuid(), c.Prefix);
        db.Organisations.AddRange(orgs.Values);

        var sensor = new Service(Guid.NewGuid(), orgs[SecurityVendor].Id, "ShieldSensor Endpoint Agent", ServiceKind.SoftwareProduct);
        var compute = new Service(Guid.NewGuid(), orgs[CloudProvider].Id, "Nimbus Compute", ServiceKind.CloudService);
        var desktops = new Service(Guid.NewGuid(), orgs[CloudProvider].Id, "Nimbus Virtual Desktop", ServiceKind.CloudService);
        db.Services.AddRange(sensor, compute, desktops);

        var users = Users.ToDictionary(u => u.Email, u =>
        {
            var org = orgs[u.Organisation];
            var user = new User(Guid.NewGuid(), u.Name, u.Email, org.EntraTenantId!.Value, Guid.NewGuid());
            user.Join(org, u.Role);
            return user;
        });
        db.Users.AddRange(users.Values);
        foreach (var integration in Integrations)
        {
            var msp = orgs[integration.Msp];
            var client = new User(integration.Id, integration.Name, integration.Email, msp.EntraTenantId!.Value, integration.Id);
            client.Join(msp, Role.MspIntegration);
            db.Users.Add(client);
        }

        foreach (var (customer, index) in Customers.Select((c, i) => (c, i)))
        {
            var tenant = orgs[customer.Name];
            var msp = orgs[customer.Msp];
            db.Contracts.Add(new MspContract(Guid.NewGuid(), msp.Id, tenant.Id, now.AddYears(-2)));
            db.Subscriptions.Add(new ServiceSubscription(Guid.NewGuid(), tenant.Id, sensor.Id, null));
            db.Subscriptions.Add(new ServiceSubscription(Guid.NewGuid(), tenant.Id, compute.Id, index % 2 == 0 ? "westeurope" : "northeurope"));
            if (index < 3) db.Subscriptions.Add(new ServiceSubscription(Guid.NewGuid(), tenant.Id, desktops.Id, "westeurope"));

            var tenantDevices = new List<Device>();
            for (var d = 1; d <= customer.Devices; d++)
            {
                var kind = d % 5 == 0 ? "LT" : d % 7 == 0 ? "SRV" : "WS";
                var site = d % 3 == 0 ? "Branch" : "HQ";
                string[] tags = kind == "SRV" ? ["server"] : kind == "LT" ? ["laptop", "bitlocker"] : ["workstation"];
                tenantDevices.Add(Device.Register(tenant.Id, $"{customer.Prefix}-{kind}-{d:D4}", $"rmm-{customer.Prefix.ToLowerInvariant()}-{d:D5}",
                    kind == "SRV" ? "Windows Server 2022" : "Windows 11 23H2", site, tags, now));
            }

            db.Devices.AddRange(tenantDevices);
            var engineers = users.Values.Where(u => u.Memberships.Any(m => m.OrganisationId == msp.Id)).ToList();
            var customerUser = users.Values.First(u => u.Memberships.Any(m => m.OrganisationId == tenant.Id));
            var scenario = Scenario.Take(3 + index % 3).ToList();
            for (var n = 0; n < scenario.Count; n++)
            {
                var (title, severity, summary, step) = scenario[(n + index) % scenario.Count];
                var opener = engineers[n % engineers.Count];
                var at = outageStart.AddMinutes(5 + index * 3 + n * 11);
                var mspActor = new Actor(opener.Id, opener.DisplayName, TenantAccess.Msp);
                var incident = Incident.Open(tenant.Id, n + 1, customer.Prefix, title, severity, summary, mspActor, at);
                if (step >= 1) incident.Acknowledge(mspActor, at.AddMinutes(4 + rng.Next(6)));
                if (step >= 2)
                {
                    incident.AssignTo(opener.Id, opener.DisplayName, mspActor, at.AddMinutes(12));
                    incident.ChangeStatus(IncidentStatus.Investigating, "We are looking into it.", mspActor, at.AddMinutes(15));
                    incident.AddNote($"Vendor advisory says to delete C-00000291*.sys in safe mode. {rng.Next(10, 60)} devices confirmed so far.",
                        NoteVisibility.Internal, mspActor, at.AddMinutes(20));
                }
                if (step >= 3)
                {
                    incident.ChangeStatus(IncidentStatus.Mitigating, "A fix is being applied device by device.", mspActor, at.AddMinutes(40));
                    incident.AddNote("Is there an estimate for the front-desk machines?", NoteVisibility.Customer,
                        new Actor(customerUser.Id, customerUser.DisplayName, TenantAccess.Customer), at.AddMinutes(55));
                    incident.AddNote("Front desk first: expect them back within the hour.", NoteVisibility.Customer, mspActor, at.AddMinutes(62));
                }
                if (step >= 4)
                {
                    incident.ChangeStatus(IncidentStatus.Monitoring, null, mspActor, at.AddMinutes(80));
                    incident.ChangeStatus(IncidentStatus.Resolved, "Printing is back to normal.", mspActor, at.AddMinutes(95));
                }
                db.Incidents.Add(incident);
                if (step >= 3) SeedRemediation(db, incident, tenantDevices, mspActor, incident.UpdatedAt.AddMinutes(5), now, rng);
            }
        }

        SeedSensorAdvisory(db, sensor, orgs, users, outageStart);
        SeedHarborRotation(db, orgs[HarborMsp], users, now);

        await db.SaveChangesAsync();
        foreach (var c in Customers)
        {
            var tenantId = orgs[c.Name].Id;
            var count = await db.Incidents.CountAsync(i => i.TenantId == tenantId);
            await db.Organisations.Where(o => o.Id == tenantId).ExecuteUpdateAsync(s => s.SetProperty(o => o.LastIncidentNumber, count));
        }
    }

    /// <summary>
    /// The vendor's advisory, an hour into the outage, as Priya would have published it: every tenant runs the sensor, so it
    /// reaches all five. Harbor has acknowledged it for its tenants; Bluepeak has not yet, so its inbox shows it new and its
    /// engineers can try the fan-out. No incident is linked: the MSPs opened theirs before the vendor spoke.
    /// </summary>
    private static void SeedSensorAdvisory(PortalDbContext db, Service sensor, Dictionary<string, Organisation> orgs,
        Dictionary<string, User> users, DateTimeOffset outageStart)
    {
        var publisher = users["priya@sentinelshield.example"];
        var published = outageStart.AddMinutes(58);
        var advisory = Advisory.Publish(sensor.ProviderId, new AdvisoryContent(
                SensorAdvisoryTitle,
                Severity.Sev1,
                "Windows computers running the ShieldSensor agent may show a blue screen and restart repeatedly. A fix is known; "
                + "affected computers are being restored one by one.",
                SensorRunbook, [sensor.Id], []),
            AdvisoryStatus.Identified, publisher.Id, publisher.DisplayName, published);
        advisory.Retarget([.. Customers.Select(c => orgs[c.Name].Id)], published);
        advisory.PostUpdate(AdvisoryStatus.Mitigating,
            "The faulty content update has been withdrawn. Hosts that have not crashed receive the corrected file "
            + "automatically; hosts already in a boot loop still need the manual steps in the runbook.",
            publisher.Id, publisher.DisplayName, published.AddMinutes(40));

        var harborLead = users["liam@harborit.example"];
        var acknowledger = new Actor(harborLead.Id, harborLead.DisplayName, TenantAccess.Msp);
        foreach (var customer in Customers.Where(c => c.Msp == HarborMsp))
            advisory.TargetOf(orgs[customer.Name].Id).Acknowledge(acknowledger, published.AddMinutes(6));
        db.Advisories.Add(advisory);
    }

    /// <summary>
    /// Harbor's weekly on-call rotation, handed off on Mondays at 09:00 London time and begun this week: Maya is on call now,
    /// then Sam, then Liam, so an escalation level "on call" names someone. Bluepeak has set none up yet, and its
    /// Escalations page says so.
    /// </summary>
    private static void SeedHarborRotation(PortalDbContext db, Organisation harbor, Dictionary<string, User> users, DateTimeOffset now)
    {
        const string zone = "Europe/London";
        var handoff = new TimeOnly(9, 0);
        var local = TimeZoneInfo.ConvertTime(now, OnCallRotation.FindZone(zone)).DateTime;
        var today = DateOnly.FromDateTime(local);
        var lastHandoff = today;
        while (lastHandoff.DayOfWeek != DayOfWeek.Monday || (lastHandoff == today && TimeOnly.FromDateTime(local) < handoff)) lastHandoff = lastHandoff.AddDays(-1);

        Guid[] order = [users["maya@harborit.example"].Id, users["sam@harborit.example"].Id, users["liam@harborit.example"].Id];
        db.OnCallRotations.Add(new OnCallRotation(harbor.Id, zone, DayOfWeek.Monday, handoff, lastHandoff, order, order.ToHashSet(), now));
    }

    private const string SensorRunbook = """
        ## Restore a host in a boot loop

        1. Boot into **Safe Mode** or the Windows Recovery Environment.
        2. Open `C:\Windows\System32\drivers\ShieldSensor`.
        3. Delete the files matching `C-00000291*.sys`.
        4. Restart normally.

        Laptops protected by BitLocker ask for their **recovery key** before step 2. Retrieve it from your key escrow first.

        Hosts that were off or have not crashed need nothing: the corrected file reaches them automatically.
        """;

    /// <summary>
    /// The crashed Windows machines of the boot-loop incident become tasks, worked through in waves since the fix was
    /// known: most are back, some are in progress, laptops wait for BitLocker keys, a few failed. Each wave is a summary
    /// on the timeline, a history row per task and a burn-down point, as the bulk updates would have made them.
    /// </summary>
    private static void SeedRemediation(PortalDbContext db, Incident incident, List<Device> devices, Actor actor, DateTimeOffset start, DateTimeOffset now, Random rng)
    {
        var affected = devices.Where(d => d.OperatingSystem == "Windows 11 23H2").ToList();
        var tasks = affected.Select(d => RemediationTask.ForDevice(incident, d, start)).ToList();
        var progress = new RemediationProgress(incident.Id, incident.TenantId, start);
        progress.Added(RemediationState.Pending, tasks.Count, start);
        db.RemediationTasks.AddRange(tasks);
        db.RemediationProgressSamples.Add(progress.Sample(start));

        var waves = 8;
        var span = now - start;
        for (var wave = 1; wave <= waves; wave++)
        {
            var at = start + span * wave / (waves + 1);
            var done = 0;
            foreach (var task in tasks.Where(t => t.State is RemediationState.Pending or RemediationState.InProgress).Take(tasks.Count / (waves + 2)))
            {
                var (to, reason) = rng.Next(20) switch
                {
                    0 => (RemediationState.Failed, "Still boot-looping after the file was removed"),
                    1 or 2 when task.Title.Contains("-LT-", StringComparison.Ordinal) => (RemediationState.Blocked, "BitLocker recovery key needed"),
                    3 => (RemediationState.InProgress, (string?)null),
                    _ => (RemediationState.Done, (string?)null),
                };
                if (task.MoveTo(to, reason, actor, at) is not { } change) continue;
                db.RemediationTaskChanges.Add(change);
                progress.Record(change);
                if (to == RemediationState.Done) done++;
            }
            db.RemediationProgressSamples.Add(progress.Sample(at));
            if (done > 0) incident.RecordRemediation($"{done.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} devices marked Done by {actor.DisplayName}", actor, at);
        }
        db.RemediationProgress.Add(progress);
    }
}
