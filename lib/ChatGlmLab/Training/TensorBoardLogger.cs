using System.Net;

namespace ChatGlmLab.Training;

/// <summary>
/// TensorBoard event files through TorchSharp's SummaryWriter, with HF's tag names
/// (TensorBoardCallback.rewrite_logs): "eval_loss" → "eval/loss", everything else "train/&lt;key&gt;".
/// </summary>
public sealed class TensorBoardLogger
{
    private readonly TorchSharp.Modules.SummaryWriter _writer;
    public string LogDir { get; }

    public TensorBoardLogger(string logDir)
    {
        LogDir = logDir;
        Directory.CreateDirectory(logDir);
        _writer = TorchSharp.torch.utils.tensorboard.SummaryWriter(logDir, createRunName: false);
    }

    /// <summary>The folder of the output directory that holds the runs' event files (HF's default logging_dir's parent).</summary>
    public const string RunsFolder = "runs";

    /// <summary>HF's default logging_dir: runs/&lt;MonDD_HH-MM-SS&gt;_&lt;hostname&gt; under the output directory.</summary>
    public static string DefaultLogDir(string outputDir) =>
        Path.Combine(outputDir, RunsFolder, DateTime.Now.ToString("MMMdd_HH-mm-ss", System.Globalization.CultureInfo.InvariantCulture) + "_" + Dns.GetHostName());

    public void Log(IReadOnlyDictionary<string, double> entry, int step)
    {
        foreach (var (key, value) in entry)
        {
            if (key == "step") continue;
            string tag = key.StartsWith("eval_", StringComparison.Ordinal) ? "eval/" + key["eval_".Length..] : "train/" + key;
            _writer.add_scalar(tag, (float)value, step);
        }
    }
}
