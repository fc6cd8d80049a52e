using Microsoft.AspNetCore.Hosting;

namespace Portal.IntegrationTests.Infrastructure;

/// <summary>Portal on SQLite started with one setting changed: for the start-up checks that refuse a value and name it.</summary>
public sealed class SettingApp(string setting, string value) : PortalApp(DbProvider.Sqlite, null)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting(setting, value);
    }
}
