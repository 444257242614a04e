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
/// <para>
/// Every C# snippet in the READMEs (the repository's and each package's, which nuget.org shows) and
/// in the tutorial and how-to guides (docs/tutorial, docs/howto) that starts with a <c>using</c>
/// directive is a whole program, and must compile as written in a new project (the SDK's implicit
/// usings on) that references the packages: a console app when it has top-level statements, a
/// library otherwise (a test class). Snippets that start otherwise are excerpts and are not compiled.
/// </para>
/// <para>
/// A snippet whose first line is <c>// file: NAME.cs</c> is one file of a project that a page builds
/// step by step: all such snippets of one page compile together (a later snippet with the same
/// name replaces the earlier one), as the reader's project would.
/// </para>
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
        foreach (string file in Pages(root))
        {
            string text = File.ReadAllText(file);
            foreach (Match match in CSharpBlock().Matches(text))
            {
                string code = match.Groups[1].Value;
                string firstCode = code.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)) ?? "";
                if (firstCode.StartsWith("using ", StringComparison.Ordinal) && ProjectFileName(code) is null)
                {
                    string name = $"{Path.GetRelativePath(root, file)}:{LineOf(text, match)}";
                    yield return new TestCaseData(name, code).SetName($"Snippet_CompilesAsWritten({name})");
                }
            }
        }
    }

    /// <summary>One case per page with <c>// file:</c> snippets: the files of the project the page builds.</summary>
    public static IEnumerable<TestCaseData> Projects()
    {
        string root = RepositoryRoot();
        foreach (string file in Pages(root))
        {
            string text = File.ReadAllText(file);
            var files = new Dictionary<string, (int Line, string Code)>(StringComparer.Ordinal);
            foreach (Match match in CSharpBlock().Matches(text))
            {
                string code = match.Groups[1].Value;
                if (ProjectFileName(code) is string fileName)
                {
                    files[fileName] = (LineOf(text, match), code);
                }
            }

            if (files.Count > 0)
            {
                string page = Path.GetRelativePath(root, file);
                string[] names = [.. files.OrderBy(f => f.Value.Line).Select(f => $"{page}:{f.Value.Line} ({f.Key})")];
                string[] codes = [.. files.OrderBy(f => f.Value.Line).Select(f => f.Value.Code)];
                yield return new TestCaseData(page, names, codes).SetName($"Project_CompilesAsWritten({page})");
            }
        }
    }

    [TestCaseSource(nameof(Snippets))]
    public void Snippet_CompilesAsWritten(string name, string code)
    {
        string[] errors = Compile([name], [code]);

        Assert.That(errors, Is.Empty, $"{name} does not compile:\n{code}");
    }

    [TestCaseSource(nameof(Projects))]
    public void Project_CompilesAsWritten(string page, string[] names, string[] codes)
    {
        string[] errors = Compile(names, codes);

        Assert.That(errors, Is.Empty, $"The project that {page} builds does not compile: {string.Join(", ", names)}");
    }

    [Test]
    public void Snippets_AreFound()
    {
        Assert.That(Snippets().Count(), Is.GreaterThanOrEqualTo(6), "the README's and the packages' whole-program snippets");
        Assert.That(Snippets().Count(s => ((string)s.Arguments[0]!).StartsWith("docs", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(7), "the tutorial's and the how-to guides' whole programs");
        Assert.That(Projects().Count(), Is.GreaterThanOrEqualTo(1), "the chat that the tutorial builds in files");
    }

    /// <summary>The pages whose snippets are compiled: the READMEs, the tutorial and the how-to guides.</summary>
    private static IEnumerable<string> Pages(string root)
    {
        IEnumerable<string> pages = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "src"), "README.md", SearchOption.AllDirectories));
        foreach (string folder in new[] { "tutorial", "howto" })
        {
            string path = Path.Combine(root, "docs", folder);
            if (Directory.Exists(path))
            {
                pages = pages.Concat(Directory.GetFiles(path, "*.md"));
            }
        }

        return pages.Order(StringComparer.Ordinal);
    }

    /// <summary>Compiles the sources as one project (a console app when one has top-level statements, else a library) and returns the errors.</summary>
    private static string[] Compile(string[] names, string[] codes)
    {
        string folder = AppContext.BaseDirectory;
        IEnumerable<MetadataReference> references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(folder, "*.dll").Where(f => !Path.GetFileName(f).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)))
            .DistinctBy(Path.GetFileName)
            .Select(path => MetadataReference.CreateFromFile(path));
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        SyntaxTree[] sources = [.. codes.Zip(names, (code, name) => CSharpSyntaxTree.ParseText(code, parse, path: name))];
        bool program = sources.Any(tree => tree.GetRoot().ChildNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().Any());
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(ImplicitUsings, parse), .. sources],
            references,
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        return [.. compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(e => e.ToString())];
    }

    /// <summary>NAME when the snippet's first line is <c>// file: NAME</c>, else null.</summary>
    private static string? ProjectFileName(string code)
    {
        Match match = FileMarker().Match(code);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static int LineOf(string text, Match match) => text[..match.Index].Count(c => c == '\n') + 1;

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

    [GeneratedRegex(@"\A\s*// file: (\S+)")]
    private static partial Regex FileMarker();
}
