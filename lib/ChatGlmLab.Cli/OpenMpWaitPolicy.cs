using System.Runtime.InteropServices;

namespace ChatGlmLab.Cli;

/// <summary>
/// Makes libtorch's OpenMP threads sleep, not spin, when a parallel region ends (OMP_WAIT_POLICY=PASSIVE), unless the
/// user set the variable. Why: the kit's CPU kernels (fused decode, dequantization, the float matrix-vector product)
/// run on .NET threads between libtorch's own parallel operations; libgomp's default keeps each of its threads spinning
/// for a while after a region, on the same cores the kernels then need (with 2 cores, one spinning thread halves them).
/// libgomp reads the variable once, when it is loaded, so this must run before libtorch is: before the first use of
/// any ChatGlmLab type (the library's module initializer loads the native backend). .NET's
/// Environment.SetEnvironmentVariable changes only its own copy of the environment, hence setenv.
/// </summary>
internal static class OpenMpWaitPolicy
{
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    public static void SleepWhenIdle()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return;
        try { SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }   // not glibc: nothing to set
    }
}
