using System.Collections.Concurrent;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ChatGlmLab.Cli;

/// <summary>
/// The one-line descriptions --help prints for the options records' properties: their XML doc comments (the
/// &lt;summary&gt;), read from the documentation file the build writes next to each assembly. So an option's name
/// (its [JsonPropertyName]), default (its initial value) and description live on the property itself.
/// </summary>
public static partial class OptionDocs
{
    private static readonly ConcurrentDictionary<Assembly, IReadOnlyDictionary<string, string>> Files = new();

    /// <summary>The property's summary on one line; "(no description)" when the documentation file or the comment is missing.</summary>
    public static string Summary(PropertyInfo property)
    {
        var docs = Files.GetOrAdd(property.DeclaringType!.Assembly, Load);
        string key = $"P:{property.DeclaringType.FullName!.Replace('+', '.')}.{property.Name}";
        return docs.TryGetValue(key, out var text) ? text : "(no description)";
    }

    private static IReadOnlyDictionary<string, string> Load(Assembly assembly)
    {
        string path = Path.ChangeExtension(assembly.Location, ".xml");
        if (string.IsNullOrEmpty(assembly.Location) || !File.Exists(path)) return new Dictionary<string, string>();
        return XDocument.Load(path).Descendants("member")
            .Where(m => m.Element("summary") != null)
            .GroupBy(m => (string)m.Attribute("name")!)
            .ToDictionary(g => g.Key, g => OneLine(g.First().Element("summary")!), StringComparer.Ordinal);
    }

    /// <summary>The summary's text with &lt;see cref="X"/&gt; as X's last name part and &lt;c&gt;x&lt;/c&gt; as x, whitespace collapsed.</summary>
    private static string OneLine(XElement summary)
    {
        string Text(XNode node) => node switch
        {
            XText t => t.Value,
            XElement { Name.LocalName: "see" or "seealso" } e => ((string?)e.Attribute("cref"))?.Split('.', ':').Last() ?? (string?)e.Attribute("langword") ?? e.Value,
            XElement { Name.LocalName: "paramref" or "typeparamref" } e => (string?)e.Attribute("name") ?? "",
            XElement e => string.Concat(e.Nodes().Select(Text)),
            _ => "",
        };
        return Spaces().Replace(string.Concat(summary.Nodes().Select(Text)), " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
