using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace ChatGlmLab.Runtime;

/// <summary>One line naming the machine a figure was measured on (reports, benchmarks, notebook metadata): speeds mean little without it.</summary>
public static class MachineDescription
{
    public static string Current()
    {
        string cpu = CpuInfo.Field("model name") ?? "unknown CPU";
        return $"{cpu}, {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, torch threads {get_num_threads()}, {RuntimeInformation.OSDescription}";
    }
}
