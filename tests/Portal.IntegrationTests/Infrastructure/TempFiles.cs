namespace Portal.IntegrationTests.Infrastructure;

/// <summary>
/// The files a test puts in the temp folder, and their removal: a run of the suite is to leave nothing behind (it once left
/// about fifteen files a run there, most of them Hangfire's storage beside an app's SQLite file).
/// </summary>
public static class TempFiles
{
    /// <summary>A path in the temp folder that no other test uses: <paramref name="prefix"/>-(a new GUID)<paramref name="extension"/>.</summary>
    public static string NewPath(string prefix, string extension = ".db") => Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}{extension}");

    /// <summary>
    /// A SQLite database and what Portal puts beside it: its write-ahead log and shared memory, and Hangfire's storage (named
    /// after the Portal file, <c>….hangfire.db</c>) with its own. Best effort: a file another process still holds stays.
    /// </summary>
    public static void DeleteSqlite(string file)
    {
        var jobs = Path.ChangeExtension(file, ".hangfire.db");
        foreach (var path in new[] { file, file + "-wal", file + "-shm", jobs, jobs + "-wal", jobs + "-shm" })
        {
            Delete(path);
        }
    }

    public static void Delete(string file)
    {
        try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static void DeleteFolder(string folder)
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { } // a missing folder is an IOException too
    }
}

/// <summary>A test's own SQLite file, deleted with what Portal put beside it (<see cref="TempFiles.DeleteSqlite"/>) when disposed.</summary>
public sealed class TempSqliteFile(string prefix = "portal-it") : IDisposable
{
    public string Path { get; } = TempFiles.NewPath(prefix);

    public void Dispose() => TempFiles.DeleteSqlite(Path);
}
