using ChatGlmLab.Experiments;
using ChatGlmLab.Runtime;

namespace ChatGlmLab.Tests.Runtime;

/// <summary>How the comparison picks its compute type: bf16 only where the hardware computes it, unless the recipe says.</summary>
public sealed class BFloat16SupportTests
{
    [Theory]
    [InlineData("flags\t\t: fpu vme avx2 avx512f avx512_bf16 avx512_vnni", true)]   // AMD EPYC Zen 4/5, Intel Cooper Lake
    [InlineData("flags\t\t: fpu avx2 avx512f amx_bf16 amx_tile amx_int8", true)]     // Intel Sapphire Rapids
    [InlineData("flags\t\t: fpu vme avx2 avx512f avx512_vnni", false)]               // AVX-512 without bf16 (Intel Xeon, Ice Lake)
    [InlineData("flags\t\t: fpu avx2 xavx512_bf16 avx512_bf16x", false)]             // only whole flags count
    [InlineData("", false)]                                                          // no /proc/cpuinfo: unknown is not fast
    public void A_cpu_computes_bf16_when_its_flags_name_bf16_instructions(string flagsLine, bool expected) =>
        Assert.Equal(expected, BFloat16Support.HasFlag(flagsLine));

    [Fact]
    public void The_recipe_decides_when_set_and_the_device_when_not()
    {
        var options = new CompareOptions();
        Assert.Null(options.Finetune.Bf16);
        Assert.True((options with { Finetune = options.Finetune with { Bf16 = true } }).ComputesInBf16());
        Assert.False((options with { Finetune = options.Finetune with { Bf16 = false } }).ComputesInBf16());

        string flags = CpuInfo.Field("flags") ?? "";
        Assert.Equal(BFloat16Support.HasFlag(flags), options.ComputesInBf16());
        Assert.Equal(options.ComputesInBf16() ? "bf16 compute, fp32 master weights" : "fp32 (this CPU has no bf16 instructions)", options.ComputeDescription());
        Assert.Equal("fp32", (options with { Finetune = options.Finetune with { Bf16 = false } }).ComputeDescription());
        Assert.True(BFloat16Support.IsNative(TorchSharp.DeviceType.CUDA));   // a GPU computes in bf16 as before
    }
}
