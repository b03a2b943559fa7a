using System.Text.Json;
using System.Text.Json.Nodes;
using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Adapters;

/// <summary>
/// Injects, merges, saves and loads LoRA adapters in PEFT's layout: adapter_config.json +
/// adapter_model.bin (or .safetensors) with keys "base_model.model.&lt;module path&gt;.lora_A.weight".
/// </summary>
public static class Lora
{
    public const string PeftPrefix = "base_model.model.";
    public const string ConfigFile = "adapter_config.json";
    public static readonly string[] WeightFiles = ["adapter_model.safetensors", "adapter_model.bin"];

    /// <summary>
    /// The structural pass: wraps every linear whose module path ends with one of the targets (PEFT's
    /// rule) in a <see cref="LoraLinear"/>. Returns the wrapped paths.
    /// </summary>
    public static IReadOnlyList<string> Inject(nn.Module model, IReadOnlyList<string> targets, int rank, double alpha, double dropout)
    {
        var candidates = model.named_modules()
            .Where(m => m.module is not LoraLinear && !m.name.Contains(".base_layer") && targets.Any(t => m.name.EndsWith(t, StringComparison.Ordinal)))
            .ToList();
        foreach (var target in targets)
            if (!candidates.Any(c => c.name.EndsWith(target, StringComparison.Ordinal)))
            {
                var linears = model.named_modules().Where(m => m.module is ILinearShape).Select(m => m.name.Split('.')[^1]).Distinct();
                throw new ArgumentException($"lora_target '{target}' matches no module; linear modules are: {string.Join(", ", linears)}");
            }

        var wrapped = new List<string>();
        foreach (var (name, module) in candidates)
        {
            var (inFeatures, outFeatures, device) = LinearShape(module, name);
            var lora = new LoraLinear((nn.Module<Tensor, Tensor>)module, inFeatures, outFeatures, rank, alpha, dropout, device);
            ModuleSurgery.Replace(model, name, lora);
            wrapped.Add(name);
        }
        return wrapped;
    }

    public static IReadOnlyList<string> Inject(nn.Module model, FinetuningOptions options) =>
        Inject(model, options.LoraTargets, options.LoraRank, options.LoraAlpha, options.LoraDropout);

    private static (long In, long Out, Device Device) LinearShape(nn.Module module, string name)
    {
        // Float and quantized linears both expose their shape.
        if (module is ILinearShape shaped) return (shaped.InFeatures, shaped.OutFeatures, shaped.Device);
        throw new ArgumentException($"'{name}' is a {module.GetType().Name}, not a linear layer LoRA can wrap");
    }

    public static IEnumerable<(string Name, LoraLinear Module)> Adapters(nn.Module model) =>
        model.named_modules().Where(m => m.module is LoraLinear).Select(m => (m.name, (LoraLinear)m.module));

    /// <summary>Merges every adapter into its base weight and puts the base layers back (PEFT's merge_and_unload).</summary>
    public static void MergeAndUnload(nn.Module model)
    {
        foreach (var (name, lora) in Adapters(model).ToList())
        {
            lora.Merge();
            ModuleSurgery.Replace(model, name, lora.base_layer);
        }
    }

    /// <summary>The adapter weights under PEFT's key names.</summary>
    public static Dictionary<string, Tensor> AdapterStateDict(nn.Module model)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, lora) in Adapters(model))
        {
            result[$"{PeftPrefix}{name}.lora_A.weight"] = lora.lora_A.weight;
            result[$"{PeftPrefix}{name}.lora_B.weight"] = lora.lora_B.weight;
        }
        return result;
    }

    public static void Save(nn.Module model, string dir, string baseModelNameOrPath, bool safetensors = false)
    {
        var adapters = Adapters(model).ToList();
        if (adapters.Count == 0) throw new InvalidOperationException("the model has no LoRA adapters to save");
        Directory.CreateDirectory(dir);
        var first = adapters[0].Module;
        var targets = adapters.Select(a => a.Name.Split('.')[^1]).Distinct().ToList();
        var config = new JsonObject
        {
            ["base_model_name_or_path"] = baseModelNameOrPath,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layers_pattern"] = null,
            ["layers_to_transform"] = null,
            ["lora_alpha"] = first.Alpha,
            ["lora_dropout"] = first.Dropout,
            ["modules_to_save"] = null,
            ["peft_type"] = "LORA",
            ["r"] = first.Rank,
            ["revision"] = null,
            ["target_modules"] = new JsonArray(targets.Select(t => (JsonNode)t!).ToArray()),
            ["task_type"] = "CAUSAL_LM",
        };
        CheckpointWriter.WriteJson(Path.Combine(dir, ConfigFile), config);
        CheckpointWriter.Save(Path.Combine(dir, safetensors ? WeightFiles[0] : WeightFiles[1]), AdapterStateDict(model));
    }

    /// <summary>An adapter directory's settings (adapter_config.json).</summary>
    public sealed record AdapterConfig(int Rank, double Alpha, double Dropout, IReadOnlyList<string> Targets);

    public static bool IsAdapterDirectory(string dir) => File.Exists(Path.Combine(dir, ConfigFile));

    public static AdapterConfig ReadConfig(string dir)
    {
        string path = Path.Combine(dir, ConfigFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"LoRA adapter config not found: {path}", path);
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid JSON ({e.Message})", e); }
        T Get<T>(string key) => node?[key] is JsonNode v ? v.GetValue<T>() : throw new InvalidDataException($"{path}: missing key '{key}'");
        if (node?["peft_type"]?.GetValue<string>() is string type && type != "LORA")
            throw new InvalidDataException($"{path}: peft_type '{type}' is not LORA");
        var targets = node?["target_modules"] switch
        {
            JsonArray a => a.Select(x => x!.GetValue<string>()).ToList(),
            JsonValue v => [v.GetValue<string>()],
            _ => throw new InvalidDataException($"{path}: missing key 'target_modules'"),
        };
        return new AdapterConfig(Get<int>("r"), Get<double>("lora_alpha"), node?["lora_dropout"]?.GetValue<double>() ?? 0, targets);
    }

    /// <summary>Injects adapters as configured in <paramref name="dir"/> (unless present) and loads their weights.</summary>
    public static void Load(nn.Module model, string dir)
    {
        var config = ReadConfig(dir);
        string weights = WeightFiles.Select(f => Path.Combine(dir, f)).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"no LoRA weights in {dir}: looked for {string.Join(", ", WeightFiles)}");
        if (!Adapters(model).Any())
        {
            try { Inject(model, config.Targets, config.Rank, config.Alpha, config.Dropout); }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{Path.Combine(dir, ConfigFile)}: target_modules [{string.Join(", ", config.Targets)}] do not fit this base model " +
                    $"({e.Message}): was the adapter made for another model?");
            }
        }

        // The model's adapters under PEFT's key names are the targets; keys without PEFT's prefix are unexpected.
        StateDictCopy.Into(AdapterStateDict(model), [weights], weights, new StateDictCopyOptions
        {
            TargetKey = WithoutAdapterName,
            Fix = $"a PEFT LoRA file holds {PeftPrefix}<module>.lora_A/lora_B.weight for the base model's LoRA layers: was it made for another base model or rank?",
        });
    }

    /// <summary>Newer PEFT files name the adapter in the key (".lora_A.default.weight"); the kit has one adapter per layer.</summary>
    private static string WithoutAdapterName(string peftKey) =>
        peftKey.Replace(".lora_A.default.", ".lora_A.").Replace(".lora_B.default.", ".lora_B.");
}
