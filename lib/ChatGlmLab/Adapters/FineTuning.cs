using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;

namespace ChatGlmLab.Adapters;

/// <summary>
/// Turns a base model plus <see cref="FinetuningOptions"/> into the model to train (structural pass,
/// then freezing pass), saves what each method trains in the format the Python ecosystem reads, and
/// applies saved checkpoints (comma lists in order, like the toolkit's checkpoint_dir).
/// </summary>
public static class FineTuning
{
    public static TrainableParameters Prepare(ChatGlmForConditionalGeneration model, FinetuningOptions options)
    {
        options.Validate();
        switch (options.Type)
        {
            case FinetuningType.None:
                Freezing.SetTrainable(model, _ => false);
                break;
            case FinetuningType.Lora:
                if (!Lora.Adapters(model).Any()) Lora.Inject(model, options);
                Freezing.SetTrainable(model, name => name.Contains(".lora_A.") || name.Contains(".lora_B."));
                break;
            case FinetuningType.PTuning:
                if (model.transformer.prefix_encoder == null) PrefixTuning.Attach(model, options.PreSeqLen, options.PrefixProjection);
                Freezing.SetTrainable(model, name => name.StartsWith(PrefixTuning.KeyPrefix, StringComparison.Ordinal));
                break;
            case FinetuningType.Freeze:
                var fragments = Freezing.FreezeTrainableFragments(model.Config.NumLayers, options.NumLayerTrainable, options.NameModuleTrainable);
                Freezing.SetTrainable(model, name => fragments.Any(f => name.Contains(f, StringComparison.Ordinal)));
                break;
            case FinetuningType.Full:
                Freezing.SetTrainable(model, _ => true);
                break;
        }
        return TrainableParameters.Of(model);
    }

    /// <summary>
    /// Writes what the method trained: LoRA → PEFT adapter; P-Tuning → prefix-encoder state dict + config;
    /// Freeze → state dict of the trained parameters; full → a complete HF-layout checkpoint. Plus finetuning_args.json.
    /// </summary>
    public static void Save(ChatGlmForConditionalGeneration model, FinetuningOptions options, string dir, string baseModelNameOrPath)
    {
        Directory.CreateDirectory(dir);
        switch (options.Type)
        {
            case FinetuningType.Lora:
                Lora.Save(model, dir, baseModelNameOrPath);
                break;
            case FinetuningType.PTuning:
                PrefixTuning.Save(model, dir);
                break;
            case FinetuningType.Freeze:
                var trained = model.named_parameters().Where(p => p.parameter.requires_grad).ToDictionary(p => p.name, p => (Tensor)p.parameter);
                CheckpointWriter.SaveTorch(Path.Combine(dir, "pytorch_model.bin"), trained);
                break;
            case FinetuningType.Full:
                ModelExport.SavePretrained(model, dir);
                break;
            case FinetuningType.None:
                break;
        }
        options.Save(dir);
    }

    /// <summary>
    /// Applies checkpoints in order. LoRA adapters before the last are merged into the base (the
    /// toolkit's behaviour); the last one stays an adapter when <paramref name="keepLastAdapter"/>
    /// (to resume training), else it is merged too when the base is float.
    /// </summary>
    public static void ApplyCheckpoints(ChatGlmForConditionalGeneration model, IReadOnlyList<string> dirs, bool keepLastAdapter = false)
    {
        for (int i = 0; i < dirs.Count; i++)
        {
            string dir = dirs[i];
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"checkpoint directory not found: {dir}");
            bool last = i == dirs.Count - 1;
            if (Lora.IsAdapterDirectory(dir))
            {
                if (Lora.Adapters(model).Any()) Lora.MergeAndUnload(model);
                Lora.Load(model, dir);
                bool quantizedBase = Lora.Adapters(model).Any(a => a.Module.base_layer is not Linear);
                if (!(last && keepLastAdapter) && !quantizedBase) Lora.MergeAndUnload(model);
            }
            else if (PrefixTuning.IsPrefixDirectory(dir))
                PrefixTuning.Load(model, dir);
            else
                LoadTrainedParameters(model, dir);
        }
    }

    /// <summary>Freeze/full outputs: a state dict of some (or all) parameters, loaded by name (strict on names and shapes).</summary>
    public static void LoadTrainedParameters(ChatGlmForConditionalGeneration model, string dir)
    {
        var targets = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        StateDictCopy.Into(targets, CheckpointLoader.FindWeightFiles(dir), dir, new StateDictCopyOptions
        {
            Ignore = CheckpointLoader.IsIgnoredKey,
            AllowMissing = true,   // Freeze saves only the parameters it trained
            Fix = "a Freeze/full checkpoint holds parameters of the base model it was trained on: is --model_name_or_path that model?",
        });
    }
}
