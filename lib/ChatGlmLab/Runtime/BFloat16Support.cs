using TorchSharp;

namespace ChatGlmLab.Runtime;

/// <summary>
/// Whether this machine computes bfloat16 matmuls in hardware, which is what makes bf16 the fast path. A CPU without
/// bf16 instructions still runs bf16 tensors, but their matmuls are emulated (converted to float32 and back), so a
/// bf16 training step costs more than a float32 one instead of less. Measured with <c>chatglm-lab bench train</c>: on an
/// Intel Xeon with AVX-512 but no AVX512-BF16, LoRA and full fine-tuning steps took 2.5 and 2.6 times as long in bf16 as
/// in float32; on AMD EPYC (Zen 5, AVX512-BF16) a bf16 matmul is about 5 times as fast as a float32 one (bench realsize).
/// </summary>
public static class BFloat16Support
{
    /// <summary>The x86 CPU flags (as Linux's /proc/cpuinfo names them) of bf16 dot-product or tile instructions.</summary>
    public static readonly string[] CpuFlags = ["avx512_bf16", "amx_bf16"];

    /// <summary>True on CUDA (where the comparison has always computed in bf16) and on a CPU with one of <see cref="CpuFlags"/>.</summary>
    public static bool IsNative(DeviceType device) => device == DeviceType.CUDA || CpuHasBFloat16Instructions.Value;

    /// <summary>Read once: the flags do not change while the process runs. False where /proc/cpuinfo is not there (not Linux): unknown is not fast.</summary>
    private static readonly Lazy<bool> CpuHasBFloat16Instructions = new(() => HasFlag(CpuInfo.Field("flags") ?? ""));

    /// <summary>Whether a cpuinfo "flags" line holds one of <see cref="CpuFlags"/> as a whole word.</summary>
    public static bool HasFlag(string flagsLine) =>
        flagsLine.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries).Intersect(CpuFlags).Any();
}
