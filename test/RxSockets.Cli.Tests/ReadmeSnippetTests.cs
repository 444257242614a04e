using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace RxSockets.Cli.Tests;

/// <summary>
/// Every C# snippet in the READMEs (the repository's and each package's, which nuget.org shows)
/// that starts with a <c>using</c> directive is a whole program, and must compile as written in a new console
/// project (the SDK's implicit usings on) that references the packages. Snippets that start
/// otherwise are excerpts and are not compiled.
/// </summary>
[TestFixture]
public sealed partial class ReadmeSnippetTests
{
    /// <summary>The SDK's implicit global usings for a console app (ImplicitUsings enable).</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    public static IEnumerable<TestCaseData> Snippets()
    {
        string root = RepositoryRoot();
        IEnumerable<string> files = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "src"), "README.md", SearchOption.AllDirectories));
        foreach (string file in files.Order(StringComparer.Ordinal))
        {
            string text = File.ReadAllText(file);
            foreach (Match match in CSharpBlock().Matches(text))
            {
                string code = match.Groups[1].Value;
                string firstCode = code.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)) ?? "";
                if (firstCode.StartsWith("using ", StringComparison.Ordinal))
                {
                    int line = text[..match.Index].Count(c => c == '\n') + 1;
                    string name = $"{Path.GetRelativePath(root, file)}:{line}";
                    yield return new TestCaseData(name, code).SetName($"Snippet_CompilesAsWritten({name})");
                }
            }
        }
    }

    [TestCaseSource(nameof(Snippets))]
    public void Snippet_CompilesAsWritten(string name, string code)
    {
        string folder = AppContext.BaseDirectory;
        IEnumerable<MetadataReference> references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(folder, "*.dll").Where(f => !Path.GetFileName(f).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)))
            .DistinctBy(Path.GetFileName)
            .Select(path => MetadataReference.CreateFromFile(path));
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(ImplicitUsings, parse), CSharpSyntaxTree.ParseText(code, parse, path: name)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        Diagnostic[] errors = [.. compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)];

        Assert.That(errors.Select(e => e.ToString()), Is.Empty, $"{name} does not compile:\n{code}");
    }

    [Test]
    public void Snippets_AreFound()
    {
        Assert.That(Snippets().Count(), Is.GreaterThanOrEqualTo(6), "the README's and the packages' whole-program snippets");
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RxSockets.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("RxSockets.sln not found above the test's folder.");
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
