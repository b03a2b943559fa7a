using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatGlmLab.Training;

/// <summary>
/// trainer_log.jsonl, one line per log event with the toolkit's keys (its LogCallback):
/// current_steps, total_steps, loss, eval_loss, learning_rate, epoch, percentage, elapsed_time,
/// remaining_time. Remaining time extrapolates the average time per step of this run.
/// </summary>
public sealed class TrainerLogWriter
{
    public const string FileName = "trainer_log.jsonl";
    private readonly string _path;
    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public TrainerLogWriter(string outputDir, bool startFresh)
    {
        _path = Path.Combine(outputDir, FileName);
        if (startFresh && File.Exists(_path)) File.Delete(_path);
    }

    /// <param name="stepsThisRun">Steps taken since this run started (a resumed run starts counting at 0).</param>
    public void Append(IReadOnlyDictionary<string, double> entry, int currentStep, int totalSteps, int stepsThisRun, double elapsedSeconds)
    {
        double perStep = stepsThisRun > 0 ? elapsedSeconds / stepsThisRun : 0;
        double remaining = Math.Max(0, totalSteps - currentStep) * perStep;
        var line = new JsonObject
        {
            ["current_steps"] = currentStep,
            ["total_steps"] = totalSteps,
            ["loss"] = Value(entry, "loss"),
            ["eval_loss"] = Value(entry, "eval_loss"),
            ["learning_rate"] = Value(entry, "learning_rate"),
            ["epoch"] = Value(entry, "epoch"),
            ["percentage"] = totalSteps != 0 ? Math.Round(100.0 * currentStep / totalSteps, 2, MidpointRounding.ToEven) : 100,
            ["elapsed_time"] = PythonTimedelta.Format(elapsedSeconds),
            ["remaining_time"] = PythonTimedelta.Format(remaining),
        };
        File.AppendAllText(_path, line.ToJsonString(Json) + "\n");
    }

    private static JsonNode? Value(IReadOnlyDictionary<string, double> entry, string key) =>
        entry.TryGetValue(key, out var v) ? JsonValue.Create(v) : null;
}
