using System.Text.RegularExpressions;
using TorchSharp;

namespace ChatGlmLab.Runtime;

/// <summary>
/// A device name as the comparison and the benchmarks take it ("cpu", "cuda", "cuda:N"), checked before any work:
/// libtorch's own failures say neither which argument was wrong nor what to do ("Requested value 'FOO' was not found";
/// for CUDA on the CPU build, "Torch device type CUDA did not initialise on the current machine").
/// </summary>
public static partial class ComputeDevice
{
    public const string Valid = "cpu, cuda or cuda:N";

    /// <summary>The torch device <paramref name="name"/> names; an <see cref="ArgumentException"/> saying what to give when it
    /// is not one, or when it is CUDA and this process has no CUDA (the CPU build of libtorch, or no GPU visible).</summary>
    public static torch.Device Parse(string name)
    {
        var match = Pattern().Match(name);
        if (!match.Success)
            throw new ArgumentException($"device '{name}' is not a device; give {Valid}");
        if (match.Groups[1].Value == "cpu") return torch.CPU;
        if (!torch.cuda.is_available())
            throw new ArgumentException($"device '{name}': this process has no CUDA (the kit is built with the CPU libtorch, or no GPU is visible); " +
                "on a GPU machine build with -p:TorchBackend=cuda (environment.md), or give cpu");
        int index = match.Groups[2].Success ? int.Parse(match.Groups[2].Value) : 0;
        if (index >= torch.cuda.device_count())
            throw new ArgumentException($"device '{name}': there are {torch.cuda.device_count()} GPUs (cuda:0 to cuda:{torch.cuda.device_count() - 1})");
        return torch.device(DeviceType.CUDA, index);
    }

    [GeneratedRegex("^(cpu|cuda)(?::([0-9]{1,3}))?$")]
    private static partial Regex Pattern();
}
