namespace Portal.Features.Remediation;

/// <summary>Removing an import's file is best effort, for the job that read it and for the sweep that finds it left behind.</summary>
internal static class ImportFile
{
    /// <summary>False when the file is still open somewhere (Windows) or not ours to remove: the next sweep tries again.</summary>
    public static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
