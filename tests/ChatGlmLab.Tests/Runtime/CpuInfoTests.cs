using ChatGlmLab.Runtime;

namespace ChatGlmLab.Tests.Runtime;

public sealed class CpuInfoTests
{
    // The first processor's lines as an x86 /proc/cpuinfo orders them: "model" before "model name", "cpu family" before "cpu cores".
    private static readonly string[] Lines =
    [
        "processor\t: 0", "cpu family\t: 6", "model\t\t: 143", "model name\t: Intel(R) Xeon(R) Processor",
        "cpu cores\t: 2", "flags\t\t: fpu avx512f avx512_vnni", "", "processor\t: 1", "model name\t: another",
    ];

    [Theory]
    [InlineData("model", "143")]
    [InlineData("model name", "Intel(R) Xeon(R) Processor")]
    [InlineData("cpu cores", "2")]
    [InlineData("flags", "fpu avx512f avx512_vnni")]
    public void A_field_is_found_by_its_whole_name_on_the_first_processor(string name, string expected) =>
        Assert.Equal(expected, CpuInfo.Field(name, Lines));

    [Theory]
    [InlineData("cpu")]
    [InlineData("Features")]
    public void A_name_that_is_only_a_prefix_or_absent_is_no_field(string name) => Assert.Null(CpuInfo.Field(name, Lines));
}
