using System.Diagnostics;
using System.Globalization;

namespace ChatGlmLab.Training;

/// <summary>
/// A one-line progress bar on stderr (like tqdm): steps, loss, learning rate, it/s and ETA, redrawn at
/// most ~4 times a second. Off when stderr is redirected (logs, CI, test runners) or disable_tqdm is set.
/// </summary>
public sealed class ConsoleProgressBar
{
    private readonly int _total;
    private readonly int _start;
    private readonly bool _enabled;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDrawMs = -1000;

    public ConsoleProgressBar(int totalSteps, int startStep, bool disabled)
    {
        _total = totalSteps;
        _start = startStep;
        _enabled = !disabled && !Console.IsErrorRedirected;
    }

    public bool Enabled => _enabled;

    public void Update(int step, double? loss, double learningRate, bool force = false)
    {
        if (!_enabled) return;
        long now = _clock.ElapsedMilliseconds;
        if (!force && now - _lastDrawMs < 250) return;
        _lastDrawMs = now;
        Console.Error.Write("\r" + Line(step, loss, learningRate, _clock.Elapsed.TotalSeconds) + "\u001b[K");
    }

    public void Finish()
    {
        if (_enabled) Console.Error.WriteLine();
    }

    /// <summary>The text of the bar (public for tests and for hosts that show progress their own way).</summary>
    public string Line(int step, double? loss, double learningRate, double elapsedSeconds)
    {
        const int width = 30;
        double fraction = _total == 0 ? 1 : Math.Clamp((double)step / _total, 0, 1);
        int filled = (int)(fraction * width);
        double rate = step > _start ? (step - _start) / Math.Max(1e-9, elapsedSeconds) : 0;
        string eta = rate > 0 ? PythonTimedelta.Format((_total - step) / rate) : "?";
        var c = CultureInfo.InvariantCulture;
        string lossText = loss is { } l ? l.ToString("F4", c) : "-";
        return $"{fraction * 100,3:F0}%|{new string('█', filled)}{new string(' ', width - filled)}| {step}/{_total} " +
               $"[{PythonTimedelta.Format(elapsedSeconds)}<{eta}, {rate.ToString("F2", c)} it/s, loss={lossText}, lr={learningRate.ToString("0.###e+0", c)}]";
    }
}
