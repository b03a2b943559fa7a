using ChatGlmLab.Adapters;
using ChatGlmLab.Datasets;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tokenization;
using ChatGlmLab.Training;

using ChatGlmLab.Distributed;
using static TorchSharp.torch;

namespace ChatGlmLab.Cli;

/// <summary>Checks shared by the commands that load a model, and the loading itself.</summary>
public static class ModelSetup
{
    private static readonly string[] LoraNames = ["lora_rank", "lora_alpha", "lora_dropout", "lora_target"];
    private static readonly string[] PTuningNames = ["pre_seq_len", "prefix_projection"];
    private static readonly string[] FreezeNames = ["num_layer_trainable", "name_module_trainable"];

    /// <summary>model_name_or_path must be a model directory; checkpoint dirs must exist; quantization_bit is 4 or 8.</summary>
    public static void CheckModelArguments(ModelArguments model)
    {
        if (string.IsNullOrWhiteSpace(model.ModelNameOrPath))
            throw new CliUsageException("--model_name_or_path is required (a Hugging Face-layout model directory with config.json)");
        if (File.Exists(model.ModelNameOrPath))
            throw new CliUsageException($"--model_name_or_path {model.ModelNameOrPath} is a file; give the model's folder (config.json and the weights)");
        if (!Directory.Exists(model.ModelNameOrPath))
            throw new CliUsageException($"--model_name_or_path {model.ModelNameOrPath}: directory not found (this kit loads local model directories only)");
        if (!File.Exists(Path.Combine(model.ModelNameOrPath, "config.json")))
            throw new CliUsageException($"--model_name_or_path {model.ModelNameOrPath}: no config.json there (not a Hugging Face-layout model directory)");
        if (model.QuantizationBit is not (null or 4 or 8))
            throw new CliUsageException($"--quantization_bit {model.QuantizationBit} is not supported; valid values: 4, 8");
        foreach (var dir in model.CheckpointDirs)
            if (!Directory.Exists(dir))
                throw new CliUsageException(File.Exists(dir) ? $"--checkpoint_dir {dir} is a file; give the checkpoint's folder (adapter_config.json, adapter_model.bin...)" : $"--checkpoint_dir {dir}: directory not found");
    }

    /// <summary>
    /// The toolkit's rules plus the obvious contradictions: options of one method given explicitly
    /// with another method, and methods that cannot train a quantized base.
    /// </summary>
    public static void CheckFinetuningArguments(ParsedArguments given, FinetuningOptions finetuning, ModelArguments model)
    {
        FinetuningType type;
        try { type = finetuning.Type; }
        catch (ArgumentException e) { throw new CliUsageException("--" + e.Message); }
        void RejectOthers(string[] names, string method)
        {
            var conflicting = given.GivenAmong(names);
            if (conflicting.Count > 0)
                throw new CliUsageException(
                    $"{string.Join(", ", conflicting.Select(n => "--" + n))} only apply to --finetuning_type {method}, but --finetuning_type is {finetuning.FinetuningTypeName}");
        }
        if (type != FinetuningType.Lora) RejectOthers(LoraNames, "lora");
        if (type != FinetuningType.PTuning) RejectOthers(PTuningNames, "p_tuning");
        if (type != FinetuningType.Freeze) RejectOthers(FreezeNames, "freeze");
        if (model.QuantizationBit != null && type is FinetuningType.Full)
            throw new CliUsageException($"--quantization_bit cannot be used with --finetuning_type full (quantized weights cannot be trained); use lora, p_tuning or freeze (its trained layers stay float)");
        try { finetuning.Validate(); }
        catch (ArgumentException e) { throw new CliUsageException(e.Message); }
    }

    /// <summary>Training-argument checks that need the model arguments too.</summary>
    public static void CheckTrainingArguments(TrainingArguments training, ModelArguments model)
    {
        if (training.Fp16 && model.QuantizationBit != null)
            throw new CliUsageException("--fp16 cannot be used with --quantization_bit on CPU (the quantized kernels compute in float32/bfloat16); drop --fp16 or use --bf16");
        try { training.Validate(); }
        catch (ArgumentException e) { throw new CliUsageException(e.Message); }
    }

    /// <summary>The dataset names must be in dataset_info.json of dataset_dir (checked before anything heavy runs).</summary>
    public static void CheckDatasets(DataArguments data)
    {
        if (string.IsNullOrWhiteSpace(data.Dataset))
            throw new CliUsageException("--dataset is required (names from dataset_info.json in --dataset_dir, comma separated)");
        string registryPath = Path.Combine(data.DatasetDir, DatasetRegistry.FileName);
        if (!File.Exists(registryPath))
            throw new CliUsageException($"--dataset_dir {data.DatasetDir}: no {DatasetRegistry.FileName} there");
        var registry = DatasetRegistry.Load(registryPath);
        var known = registry.Entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in data.Dataset.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (!known.Contains(name))
                throw new CliUsageException($"--dataset {name}: no such dataset in {registryPath}; known: {string.Join(", ", known.Order(StringComparer.Ordinal))}");
    }

    public static ChatGlmTokenizer LoadTokenizer(string modelDir)
    {
        var tokenizer = ChatGlm.TryLoadTokenizer(modelDir)
            ?? throw new CliUsageException($"--model_name_or_path {modelDir} has no tokenizer (tokenizer_config.json / ice_text.model); copy the tokenizer files into it");
        ChatGlm.CheckTokenizerFits(tokenizer, ChatGlmConfig.FromPretrained(modelDir), modelDir);
        return tokenizer;
    }

    /// <summary>
    /// The base model for training, with earlier checkpoints applied; the last LoRA adapter stays an
    /// adapter when LoRA training continues (the toolkit's resume_lora_training). With --bf16/--fp16 and a method
    /// that trains only new weights (LoRA, P-Tuning), the base is loaded in that 16-bit type, as the toolkit loads it
    /// (torch_dtype float16): it never trains, so a float32 copy would only double its memory (chatglm-6b: 26.8 GB
    /// instead of 13.4). Freeze and full fine-tuning load float32, so the weights they train start their float32
    /// master values from the checkpoint's exact values.
    /// </summary>
    public static ChatGlmForConditionalGeneration LoadForTraining(ModelArguments model, FinetuningOptions finetuning, TrainingArguments training)
    {
        bool baseFrozen = finetuning.Type is FinetuningType.Lora or FinetuningType.PTuning;
        var dtype = baseFrozen && MixedPrecision.ComputeType(training) is { } compute ? compute : ScalarType.Float32;
        // Freeze on a quantized base: the layers it trains load in float, the others quantized.
        var keepFloat = model.QuantizationBit != null && finetuning.Type == FinetuningType.Freeze
            ? Freezing.FreezeTrainedLinears(ChatGlmConfig.FromPretrained(model.ModelNameOrPath).NumLayers, finetuning)
            : null;
        // Data-parallel on a GPU machine: one process per GPU, the one of its local rank (untested here: CPU only).
        var world = ProcessGroup.Current;
        var device = world.IsDistributed ? world.CudaDevice() : null;
        var loaded = ChatGlmForConditionalGeneration.FromPretrained(model.ModelNameOrPath,
            new ModelLoadOptions { QuantizationBit = model.QuantizationBit, DType = dtype, KeepFloat = keepFloat, Device = device });
        if (model.CheckpointDirs.Count > 0)
            FineTuning.ApplyCheckpoints(loaded, model.CheckpointDirs, keepLastAdapter: finetuning.Type == FinetuningType.Lora);
        return loaded;
    }
}
