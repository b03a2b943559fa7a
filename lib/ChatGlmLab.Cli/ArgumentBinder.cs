using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;

namespace ChatGlmLab.Cli;

/// <summary>A command line the user got wrong (unknown, malformed or conflicting arguments): exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// The arguments one command accepts: every <c>[JsonPropertyName]</c> property of the options records it
/// binds (so the names are exactly the Python toolkit's), plus extra names the command reads itself.
/// Parses <c>--name value</c>, <c>--name=value</c> and boolean flags (<c>--flag</c>, <c>--flag true/false</c>).
/// </summary>
public sealed class ArgumentSpec
{
    private readonly Dictionary<string, Type> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);
    /// <summary>What --help says of each name: a record's property (its doc comment, its initial value) or the command's own words.</summary>
    private readonly Dictionary<string, (string Description, string? Default)> _help = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?> _defaults = new(StringComparer.Ordinal);

    public ArgumentSpec(string command, params Type[] records)
    {
        Command = command;
        foreach (var record in records)
        {
            object? fresh = record.GetConstructor(Type.EmptyTypes) != null ? Activator.CreateInstance(record) : null;
            foreach (var (name, property) in BindableProperties(record))
                if (_types.TryAdd(name, property.PropertyType))
                    _help[name] = (OptionDocs.Summary(property), DefaultText(fresh == null ? null : property.GetValue(fresh)));
        }
    }

    public string Command { get; }

    /// <summary>Every accepted name (aliases included), sorted.</summary>
    public IReadOnlyList<string> Names => _types.Keys.Concat(_aliases.Keys).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// A name the command reads itself (not a property of a bound record), what --help says of it, and its default when
    /// it is a constant (then <see cref="ParsedArguments.Get"/> returns it when the name is not given: one place for it).
    /// </summary>
    public ArgumentSpec With(string name, Type type, string description, object? defaultValue = null)
    {
        _types[name] = type;
        _help[name] = (description, defaultValue == null ? null : DefaultText(defaultValue));   // else the description says it
        if (defaultValue != null) _defaults[name] = defaultValue;
        return this;
    }

    /// <summary>The --help lines: each name with its value kind, one-line description and default, sorted by name.</summary>
    public IEnumerable<string> HelpLines()
    {
        var rows = _types.Keys.Order(StringComparer.Ordinal).Select(name =>
        {
            var (description, defaultText) = _help[name];
            var aliases = _aliases.Where(a => a.Value == name).Select(a => "--" + a.Key).ToList();
            string also = aliases.Count > 0 ? $" (also {string.Join(", ", aliases)})" : "";
            return ($"--{name} {ValueKind(_types[name])}".TrimEnd(), $"{description}{also}" + (defaultText != null ? $" [default: {defaultText}]" : ""));
        }).ToList();
        int width = rows.Max(r => r.Item1.Length) + 2;
        return rows.Select(r => $"  {r.Item1.PadRight(width)}{r.Item2}");
    }

    private static string ValueKind(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(bool) ? "[true|false]" : t == typeof(string) ? "TEXT" : t == typeof(double) ? "NUMBER" : "INT";
    }

    /// <summary>How a default reads in --help: none for null or empty, invariant numbers, lower-case booleans.</summary>
    private static string? DefaultText(object? value) => value switch
    {
        null or "" => "none",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Another spelling of a name (e.g. the seed's max_train_samples for max_samples); giving both is an error.</summary>
    public ArgumentSpec Alias(string alias, string name)
    {
        _aliases[alias] = name;
        return this;
    }

    public string ValidNamesText() => string.Join(" ", Names.Select(n => "--" + n));

    public ParsedArguments Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? bareFlag = null;   // the flag just read without a value: a stray word after it was meant as its value
        for (int i = 0; i < args.Count; i++)
        {
            string token = args[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
                throw new CliUsageException(bareFlag != null
                    ? $"--{bareFlag} takes true or false (or stands alone, meaning true), not '{token}'"
                    : $"unexpected '{token}': {Command} takes --name value arguments");
            bareFlag = null;
            string name = token[2..];
            string? inlineValue = null;
            int equals = name.IndexOf('=');
            if (equals >= 0) { inlineValue = name[(equals + 1)..]; name = name[..equals]; }
            string canonical = _aliases.GetValueOrDefault(name, name);
            if (!_types.TryGetValue(canonical, out var type))
                throw new CliUsageException($"unknown argument --{name} for '{Command}'. Valid arguments: {ValidNamesText()}");
            if (values.ContainsKey(canonical))
                throw new CliUsageException(canonical == name ? $"--{name} is given twice" : $"--{name} and --{canonical} are the same argument; give one of them");

            string value;
            bool isBool = (Nullable.GetUnderlyingType(type) ?? type) == typeof(bool);
            if (inlineValue != null) value = inlineValue;
            else if (isBool)
            {
                // A flag alone means true; an explicit true/false right after it is its value.
                bool explicitValue = i + 1 < args.Count && IsBooleanText(args[i + 1]);
                value = explicitValue ? args[++i] : "true";
                if (!explicitValue) bareFlag = name;
            }
            else
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new CliUsageException($"--{name} needs a value");
                value = args[++i];
            }
            Convert(canonical, value, type);   // fail early, naming the argument
            values[canonical] = value;
        }
        return new ParsedArguments(values, _defaults);
    }

    private static bool IsBooleanText(string text) => text.ToLowerInvariant() is "true" or "false";

    /// <summary>The JSON-named, settable (init included) properties of a record.</summary>
    public static IEnumerable<(string Name, PropertyInfo Property)> BindableProperties(Type record) =>
        record.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<JsonIgnoreAttribute>() == null)
            .Select(p => (p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, p))
            .Where(x => x.Name != null)
            .Select(x => (x.Name!, x.p));

    public static object? Convert(string name, string value, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        var culture = CultureInfo.InvariantCulture;
        if (target == typeof(string)) return value;
        if (target == typeof(bool))
        {
            return value.ToLowerInvariant() switch
            {
                "true" => true,
                "false" => false,
                _ => throw new CliUsageException($"--{name} takes true or false, not '{value}'"),
            };
        }
        if (target == typeof(int) && int.TryParse(value, NumberStyles.Integer, culture, out int i)) return i;
        if (target == typeof(long) && long.TryParse(value, NumberStyles.Integer, culture, out long l)) return l;
        if (target == typeof(ulong) && ulong.TryParse(value, NumberStyles.Integer, culture, out ulong u)) return u;
        if (target == typeof(double) && double.TryParse(value, NumberStyles.Float, culture, out double d))
            // NaN and infinities parse, but no setting means them: they would pass range checks ("nan < 0" is false) and poison the run.
            return double.IsFinite(d) ? d : throw new CliUsageException($"--{name} takes a finite number, not '{value}'");
        string kind = target == typeof(double) ? "a number" : "an integer";
        throw new CliUsageException($"--{name} takes {kind}, not '{value}'");
    }
}

/// <summary>The arguments given on one command line, by canonical name, with their raw text.</summary>
public sealed class ParsedArguments(IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, object?>? defaults = null)
{
    public bool IsGiven(string name) => values.ContainsKey(name);

    /// <summary>The given text, else the command's constant default for the name (see <see cref="ArgumentSpec.With"/>), else null.</summary>
    public string? Get(string name) => values.TryGetValue(name, out var v) ? v
        : defaults?.GetValueOrDefault(name) is { } d ? Convert.ToString(d, CultureInfo.InvariantCulture) : null;

    public int? GetInt(string name) => Get(name) is { } v ? (int)ArgumentSpec.Convert(name, v, typeof(int))! : null;

    public double? GetDouble(string name) => Get(name) is { } v ? (double)ArgumentSpec.Convert(name, v, typeof(double))! : null;

    public bool GetBool(string name) => GetBoolOrNull(name) ?? false;

    /// <summary>Runs <paramref name="apply"/>, which puts the value of <paramref name="name"/> into an options record: the
    /// record's own check (an <see cref="ArgumentException"/>, the rule written once for the CLI and the notebooks) becomes
    /// a usage error naming the argument and the value given.</summary>
    public T Checked<T>(string name, Func<T> apply)
    {
        try { return apply(); }
        catch (ArgumentException e) { throw new CliUsageException($"--{name}{(Get(name) is { } value ? " " + value : "")}: {e.Message}"); }
    }

    /// <summary>The boolean argument when it is given or has a default, null otherwise (for "unset: the program decides").</summary>
    public bool? GetBoolOrNull(string name) => Get(name) is { } v ? (bool)ArgumentSpec.Convert(name, v, typeof(bool))! : null;

    /// <summary>The given names among <paramref name="names"/>, for conflict messages.</summary>
    public IReadOnlyList<string> GivenAmong(params string[] names) => names.Where(IsGiven).ToList();

    /// <summary>A new <typeparamref name="T"/> with its defaults, and every given argument named like one of its properties set.</summary>
    public T Bind<T>() where T : new()
    {
        object target = new T();   // boxed once so init-only properties of records can be set by reflection
        foreach (var (name, property) in ArgumentSpec.BindableProperties(typeof(T)))
            if (values.TryGetValue(name, out var text))
                property.SetValue(target, ArgumentSpec.Convert(name, text, property.PropertyType));
        return (T)target;
    }

    public string Require(string name, string what) =>
        Get(name) is { Length: > 0 } value ? value : throw new CliUsageException($"--{name} is required ({what})");
}
