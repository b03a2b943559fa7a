using System.Text.Json;
using System.Text.Json.Serialization;
using ChatGlmLab.Checkpoints;
using ChatGlmLab.Runtime;

namespace ChatGlmLab.Training;

/// <summary>
/// HF's trainer_state.json: progress, best checkpoint and the log history (one dictionary per
/// log event: training logs, evaluations, the final summary), which the loss plot reads.
/// </summary>
public sealed class TrainerState
{
    [JsonPropertyName("best_metric")] public double? BestMetric { get; set; }
    [JsonPropertyName("best_model_checkpoint")] public string? BestModelCheckpoint { get; set; }
    [JsonPropertyName("epoch")] public double Epoch { get; set; }
    [JsonPropertyName("global_step")] public int GlobalStep { get; set; }
    [JsonPropertyName("is_hyper_param_search")] public bool IsHyperParamSearch { get; set; }
    [JsonPropertyName("is_local_process_zero")] public bool IsLocalProcessZero { get; set; } = true;
    [JsonPropertyName("is_world_process_zero")] public bool IsWorldProcessZero { get; set; } = true;
    [JsonPropertyName("log_history")] public List<SortedDictionary<string, double>> LogHistory { get; set; } = [];
    [JsonPropertyName("max_steps")] public int MaxSteps { get; set; }
    [JsonPropertyName("num_train_epochs")] public int NumTrainEpochs { get; set; }
    [JsonPropertyName("total_flos")] public double TotalFlos { get; set; }
    [JsonPropertyName("trial_name")] public string? TrialName { get; set; }
    [JsonPropertyName("trial_params")] public Dictionary<string, double>? TrialParams { get; set; }

    public const string FileName = "trainer_state.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,   // a NaN loss is written, not thrown on
    };

    public void Save(string dir) =>
        CheckpointWriter.WriteAtomically(Path.Combine(dir, FileName), s =>
            s.Write(System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, Json) + "\n")));

    public static TrainerState Load(string dir)
    {
        string path = Path.Combine(dir, FileName);
        return JsonFile.Deserialize<TrainerState>(path, Json);
    }
}
