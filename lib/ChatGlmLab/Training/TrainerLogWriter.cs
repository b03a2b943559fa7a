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

    private TrainerLogWriter(string outputDir) => _path = Path.Combine(outputDir, FileName);

    /// <summary>A new run: an earlier run's log in output_dir is removed.</summary>
    public static TrainerLogWriter StartFresh(string outputDir)
    {
        var writer = new TrainerLogWriter(outputDir);
        if (File.Exists(writer._path)) File.Delete(writer._path);
        return writer;
    }

    /// <summary>Appends to the log as it is (an evaluation after training).</summary>
    public static TrainerLogWriter Append(string outputDir) => new(outputDir);

    /// <summary>
    /// A resumed run: the log becomes the checkpoint's log history, one line per entry, as HF's Trainer restores
    /// state.log_history from the checkpoint; what a killed run logged after the checkpoint is dropped, so no step
    /// appears twice. Each entry keeps the line the earlier run wrote for it (with its times) when the file has it.
    /// </summary>
    public static TrainerLogWriter ContinueFrom(string outputDir, IReadOnlyList<IReadOnlyDictionary<string, double>> history, int totalSteps)
    {
        var writer = new TrainerLogWriter(outputDir);
        var written = File.Exists(writer._path) ? File.ReadAllLines(writer._path).Where(l => l.Trim().Length > 0).ToList() : [];
        var lines = new List<string>();
        for (int i = 0; i < history.Count; i++)
        {
            int step = (int)history[i].GetValueOrDefault("step");
            lines.Add(i < written.Count && StepOf(written[i]) == step
                ? written[i]
                : Line(history[i], step, totalSteps, elapsedTime: null, remainingTime: null));   // times not recorded in trainer_state.json
        }
        Checkpoints.CheckpointWriter.WriteAtomically(writer._path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")))));
        return writer;
    }

    /// <param name="entry">The logged values; loss, eval_loss, learning_rate and epoch are written (null when absent).</param>
    /// <param name="currentStep">The global step logged at.</param>
    /// <param name="totalSteps">The run's max steps, for the percentage and the remaining time.</param>
    /// <param name="stepsThisRun">Steps taken since this run started (a resumed run starts counting at 0).</param>
    /// <param name="elapsedSeconds">Seconds since this run started: written as elapsed_time, and divided by
    /// <paramref name="stepsThisRun"/> to estimate remaining_time.</param>
    public void Append(IReadOnlyDictionary<string, double> entry, int currentStep, int totalSteps, int stepsThisRun, double elapsedSeconds)
    {
        double perStep = stepsThisRun > 0 ? elapsedSeconds / stepsThisRun : 0;
        double remaining = Math.Max(0, totalSteps - currentStep) * perStep;
        File.AppendAllText(_path, Line(entry, currentStep, totalSteps, PythonTimedelta.Format(elapsedSeconds), PythonTimedelta.Format(remaining)) + "\n");
    }

    private static string Line(IReadOnlyDictionary<string, double> entry, int currentStep, int totalSteps, string? elapsedTime, string? remainingTime) =>
        new JsonObject
        {
            ["current_steps"] = currentStep,
            ["total_steps"] = totalSteps,
            ["loss"] = Value(entry, "loss"),
            ["eval_loss"] = Value(entry, "eval_loss"),
            ["learning_rate"] = Value(entry, "learning_rate"),
            ["epoch"] = Value(entry, "epoch"),
            ["percentage"] = totalSteps != 0 ? Math.Round(100.0 * currentStep / totalSteps, 2, MidpointRounding.ToEven) : 100,
            ["elapsed_time"] = elapsedTime,
            ["remaining_time"] = remainingTime,
        }.ToJsonString(Json);

    private static int? StepOf(string line)
    {
        try { return JsonNode.Parse(line)?["current_steps"]?.GetValue<int>(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { return null; }
    }

    private static JsonNode? Value(IReadOnlyDictionary<string, double> entry, string key) =>
        entry.TryGetValue(key, out var v) ? JsonValue.Create(v) : null;
}
