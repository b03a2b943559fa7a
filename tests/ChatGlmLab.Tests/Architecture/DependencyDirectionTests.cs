using System.Text.RegularExpressions;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Architecture;

/// <summary>
/// The library's folders depend on each other in one direction: the order written in lib/ChatGlmLab/README.md
/// ("Dependency order"). Every `using ChatGlmLab.X`, every qualified name `ChatGlmLab.X.` or `X.Type`, and every use of a
/// type of the root namespace (the facade) must point to a folder on an earlier line than the file's own folder.
/// </summary>
public class DependencyDirectionTests
{
    private const string Root = "(root)";
    private static string Lib => Path.Combine(Paths.RepoRoot, "lib", "ChatGlmLab");

    [Fact]
    public void EveryFolderUsesOnlyFoldersAboveItInTheReadmeOrder()
    {
        var level = ReadmeLevels();
        var violations = new List<string>();
        var rootTypes = RootTypeNames();
        foreach (var file in SourceFiles())
        {
            string own = FolderOf(file);
            foreach (var (target, line, text) in References(file, level.Keys, rootTypes))
                if (target != own && level[target] >= level[own])
                    violations.Add($"{Path.GetRelativePath(Lib, file)}:{line} ({own}, line {level[own]}) uses {target} (line {level[target]}): {text.Trim()}");
        }
        Assert.True(violations.Count == 0, "dependencies that run back up:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void TheReadmeOrderNamesEveryFolder()
    {
        var level = ReadmeLevels();
        var folders = SourceFiles().Select(FolderOf).Distinct().ToList();
        Assert.NotEmpty(folders);
        var unlisted = folders.Where(f => !level.ContainsKey(f)).ToList();
        var missing = level.Keys.Where(k => !folders.Contains(k)).ToList();
        Assert.True(unlisted.Count == 0, "folders missing from the README's dependency order: " + string.Join(", ", unlisted));
        Assert.True(missing.Count == 0, "the README's dependency order names folders that do not exist: " + string.Join(", ", missing));
    }

    [Fact]
    public void TheCheckSeesEachKindOfReference()
    {
        // The scanner itself: a using, a fully qualified name, a relative qualified name and a root-namespace type.
        var folders = new[] { "Modeling", "Quantization", Root };
        string file = Path.Combine(Path.GetTempPath(), $"deps-{Guid.NewGuid():N}.cs");
        File.WriteAllLines(file,
        [
            "using ChatGlmLab.Quantization;",
            "namespace ChatGlmLab.Modeling;",
            "// Quantization.QuantizedLinear in a comment is not a reference",
            "class A { object x = ChatGlmLab.Quantization.Quantizer.X; object y = Quantization.QuantizedLinear.Y; string s = \"Quantization.Z\"; }",
            "class B { void F() => ChatGlm.LoadPretrained(null!); }",
        ]);
        try
        {
            var found = References(file, folders, new HashSet<string> { "ChatGlm" }).Select(r => (r.Target, r.Line)).ToList();
            Assert.Equal([("Quantization", 1), ("Quantization", 4), ("Quantization", 4), (Root, 5)], found);
        }
        finally { File.Delete(file); }
    }

    /// <summary>Folder → its line number in the README's "Dependency order" list.</summary>
    private static Dictionary<string, int> ReadmeLevels()
    {
        var lines = File.ReadAllLines(Path.Combine(Lib, "README.md"));
        int start = Array.FindIndex(lines, l => l.StartsWith("## Dependency order", StringComparison.Ordinal));
        Assert.True(start >= 0, "lib/ChatGlmLab/README.md has no '## Dependency order' section");
        var level = new Dictionary<string, int>();
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)))
        {
            var item = Regex.Match(line, @"^(\d+)\.\s+(.*)$");
            if (!item.Success) continue;
            foreach (Match name in Regex.Matches(item.Groups[2].Value, "`([^`]+)`"))
                level.Add(name.Groups[1].Value, int.Parse(item.Groups[1].Value));
        }
        Assert.True(level.Count > 5, "the dependency order list is missing or unreadable");
        return level;
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Lib, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(Lib, f).Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"));

    private static string FolderOf(string file)
    {
        var parts = Path.GetRelativePath(Lib, file).Split(Path.DirectorySeparatorChar);
        return parts.Length == 1 ? Root : parts[0];
    }

    /// <summary>Types declared in the root namespace (files directly in lib/ChatGlmLab).</summary>
    private static HashSet<string> RootTypeNames() =>
        SourceFiles().Where(f => FolderOf(f) == Root)
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"\b(?:class|record|struct|interface|enum)\s+([A-Z]\w*)").Select(m => m.Groups[1].Value))
            .ToHashSet();

    private static IEnumerable<(string Target, int Line, string Text)> References(string file, IEnumerable<string> folders, HashSet<string> rootTypes)
    {
        var names = folders.Where(f => f != Root).ToList();
        var relative = new Regex(@"(?<![\w.])(" + string.Join("|", names.Select(Regex.Escape)) + @")\.[A-Z]\w*");
        var rootType = rootTypes.Count == 0 ? null : new Regex(@"(?<![\w.])(" + string.Join("|", rootTypes.Select(Regex.Escape)) + @")\b");
        int number = 0;
        foreach (var raw in File.ReadLines(file))
        {
            number++;
            string line = Regex.Replace(raw, @"//.*$", "");
            line = Regex.Replace(line, @"@?\$?""(?:[^""\\]|\\.)*""", "\"\"");   // string literals
            if (Regex.Match(line, @"^\s*namespace\s") is { Success: true }) continue;
            var usingLine = Regex.Match(line, @"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?ChatGlmLab(?:\.(\w+))?[\w.]*\s*;");
            if (usingLine.Success)
            {
                yield return (usingLine.Groups[1].Success ? usingLine.Groups[1].Value : Root, number, raw);
                continue;
            }
            foreach (Match m in Regex.Matches(line, @"\bChatGlmLab\.(\w+)\."))
                if (names.Contains(m.Groups[1].Value)) yield return (m.Groups[1].Value, number, raw);
            string unqualified = Regex.Replace(line, @"\bChatGlmLab\.\w+\.", "");
            foreach (Match m in relative.Matches(unqualified)) yield return (m.Groups[1].Value, number, raw);
            if (rootType != null && rootType.IsMatch(unqualified)) yield return (Root, number, raw);
        }
    }
}
