using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Checkpoints;

/// <summary>
/// The one rule for copying named tensors into a module (what torch's <c>load_state_dict</c> does): every checkpoint
/// key must name a target of the same shape, every target must get a tensor, values are converted to the target's
/// dtype by the copy. Keys and shapes are all checked from the files' headers before the first value is copied, so a
/// checkpoint that does not fit leaves the module as it was. Errors name the file, the key, both shapes and what to
/// do (<see cref="StateDictCopyOptions.Fix"/>); a key mismatch lists every missing and unexpected key.
/// </summary>
public static class StateDictCopy
{
    /// <summary>A module's parameters and buffers by state-dict key.</summary>
    public static Dictionary<string, Tensor> Targets(nn.Module module)
    {
        var targets = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in module.named_parameters()) targets[name] = p;
        foreach (var (name, b) in module.named_buffers()) targets[name] = b;
        return targets;
    }

    /// <summary>Copies the tensors of the weight <paramref name="files"/> (read one at a time) into <paramref name="targets"/>;
    /// <paramref name="source"/> (a model directory, a file) heads the key-mismatch error.</summary>
    public static StateDictCopyResult Into(IReadOnlyDictionary<string, Tensor> targets, IReadOnlyList<string> files, string source, StateDictCopyOptions options)
    {
        var opened = new List<ICheckpointFile>();
        try
        {
            foreach (var path in files) opened.Add(CheckpointLoader.Open(path));
            return Into(targets, opened.SelectMany(f => f.Tensors).ToList(), source, options) with { Files = files };
        }
        finally
        {
            foreach (var file in opened) file.Dispose();
        }
    }

    /// <summary>Copies an in-memory state dict (e.g. an optimizer state read with <see cref="CheckpointLoader.ReadStateDict"/>) into <paramref name="targets"/>.</summary>
    public static StateDictCopyResult Into(IReadOnlyDictionary<string, Tensor> targets, IReadOnlyDictionary<string, Tensor> tensors, string source, StateDictCopyOptions options) =>
        Into(targets, tensors.Select(kv => new CheckpointTensor(kv.Key, kv.Value.shape, kv.Value.dtype, source, () => kv.Value)).ToList(), source, options);

    /// <summary>The rule itself, over checkpoint tensors whose values are read only once every key and shape has been checked.</summary>
    public static StateDictCopyResult Into(IReadOnlyDictionary<string, Tensor> targets, IReadOnlyList<CheckpointTensor> tensors, string source, StateDictCopyOptions options)
    {
        var customKeys = options.CustomKeys ?? new HashSet<string>();
        if (customKeys.Count > 0 && options.CustomSink == null) throw new ArgumentException("CustomKeys need a CustomSink", nameof(options));

        // 1. The plan, from the headers: which tensor goes where; shapes checked here, before anything is copied.
        var plan = new List<(CheckpointTensor Tensor, string? TargetKey)>();   // null target: the custom sink's
        var unexpected = new List<string>();
        var planned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (options.Ignore?.Invoke(t.Name) == true) continue;
            if (customKeys.Contains(t.Name)) { plan.Add((t, null)); continue; }
            string? key = options.TargetKey is { } map ? map(t.Name) : t.Name;
            if (key == null || !targets.TryGetValue(key, out var target))
            {
                unexpected.Add($"{t.Name} (in {Path.GetFileName(t.File)})");
                continue;
            }
            if (!target.shape.SequenceEqual(t.Shape))
                throw new InvalidDataException(
                    $"{t.File}: '{t.Name}'{(key != t.Name ? $" (the model's '{key}')" : "")} has shape {ShapeText(t.Shape)} but the model expects {ShapeText(target.shape)}{FixText(options)}");
            plan.Add((t, key));
            planned.Add(key);
        }
        var missing = targets.Keys.Where(k => !planned.Contains(k) && !customKeys.Contains(k)).Order(StringComparer.Ordinal).ToList();   // custom keys: step 3
        var missingReported = options.AllowMissing ? [] : missing;
        var unexpectedReported = options.AllowUnexpected ? [] : unexpected;
        if (missingReported.Count > 0 || unexpectedReported.Count > 0) throw KeyMismatch(source, missingReported, unexpectedReported, options);

        // 2. The copy, one tensor at a time (a large checkpoint is never in memory as a whole).
        var loaded = new List<string>();
        var customLoaded = new HashSet<string>(StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var (t, key) in plan)
            {
                using var scope = NewDisposeScope();   // frees the value read from the file (not an in-memory tensor made outside)
                if (key != null)
                {
                    t.CopyTo(targets[key]);   // streamed into place where the format allows (no second copy of a large table)
                    loaded.Add(key);
                    continue;
                }
                var value = t.Read();
                if (options.CustomSink!(t, value)) { customLoaded.Add(t.Name); continue; }
                if (!targets.TryGetValue(t.Name, out var fallback))
                    throw KeyMismatch(source, [], [$"{t.Name} (in {Path.GetFileName(t.File)})"], options);
                CopyChecked(fallback, t, t.Name, value, options);
                loaded.Add(t.Name);
            }
        }

        // 3. Custom keys can only be counted now: the sink may fill keys the files do not hold (computed scales).
        if (options.CustomFilled != null) customLoaded.UnionWith(options.CustomFilled);
        var customMissing = customKeys.Where(k => !customLoaded.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (customMissing.Count > 0 && !options.AllowMissing) throw KeyMismatch(source, customMissing, [], options);

        return new StateDictCopyResult(tensors.Select(t => t.File).Distinct().ToList(), [.. loaded, .. customLoaded],
            [.. missing, .. customMissing], unexpected);
    }

    private static void CopyChecked(Tensor target, CheckpointTensor t, string key, Tensor value, StateDictCopyOptions options)
    {
        if (!target.shape.SequenceEqual(t.Shape))
            throw new InvalidDataException($"{t.File}: '{key}' has shape {ShapeText(t.Shape)} but the model expects {ShapeText(target.shape)}{FixText(options)}");
        target.copy_(value);
    }

    private static InvalidDataException KeyMismatch(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, StateDictCopyOptions options)
    {
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"missing keys ({missing.Count}): {FirstOf(missing)}");
        if (unexpected.Count > 0) parts.Add($"unexpected keys ({unexpected.Count}): {FirstOf(unexpected)}");
        return new InvalidDataException($"{source}: the tensors do not match the model: {string.Join("; ", parts)}{FixText(options)}");
    }

    private static string FirstOf(IReadOnlyList<string> keys) => string.Join(", ", keys.Take(20)) + (keys.Count > 20 ? ", ..." : "");
    private static string FixText(StateDictCopyOptions options) => options.Fix.Length > 0 ? $" ({options.Fix})" : "";
    public static string ShapeText(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
}
