using System.IO;
using NUnit.Framework;

namespace RxSockets.Compliance;

/// <summary>Files the tests leave for people to look at (screenshots), attached to the test result too.</summary>
public static class Artifacts
{
    /// <summary>test/RxSockets.Compliance/artifacts (gitignored).</summary>
    public static string Directory { get; } = Path.Combine(Peers.ProjectDirectory, "artifacts");

    /// <summary>A path for <paramref name="fileName"/> under <see cref="Directory"/>, creating the directory.</summary>
    /// <param name="fileName">For example "showtime.png".</param>
    /// <returns>The full path.</returns>
    public static string PathFor(string fileName)
    {
        System.IO.Directory.CreateDirectory(Directory);
        return Path.Combine(Directory, fileName);
    }

    /// <summary>Copies <paramref name="path"/> into the test's work directory and attaches it to the current test's result.</summary>
    /// <param name="path">The file.</param>
    /// <param name="description">What it shows.</param>
    public static void Attach(string path, string description)
    {
        string copy = Path.Combine(TestContext.CurrentContext.WorkDirectory, "artifacts", Path.GetFileName(path));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(path, copy, overwrite: true);
        TestContext.AddTestAttachment(copy, description);
    }
}
