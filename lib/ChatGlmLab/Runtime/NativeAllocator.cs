using System.Runtime.InteropServices;

namespace ChatGlmLab.Runtime;

/// <summary>
/// glibc's allocator policy for a process that runs a model. libtorch allocates every tensor with glibc's malloc, which by
/// default returns each block over 32 MB to the OS when freed and maps a fresh one on the next request; the kernel then
/// page-faults in every page again. A prefill or training step on a quantized base dequantizes one 100-MB-class matrix per
/// block linear and frees it right after its matmul, so most of its time went to page faults (measured: prefill of one
/// chatglm-6b int4 layer, 256 tokens, 3.5 s → 0.9 s). Keeping freed memory in the process (no mmap for large blocks, no
/// trimming) lets the next matrix reuse the pages. It is a process-wide choice, so the application makes it (the CLI
/// does at start); the library never does.
/// </summary>
public static class NativeAllocator
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    /// <summary>Keeps freed blocks for reuse (glibc on Linux); returns false elsewhere or when glibc refuses.</summary>
    public static bool KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return MallOpt(M_MMAP_MAX, 0) == 1 & MallOpt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;   // not glibc (e.g. musl): nothing to tune
        }
    }
}
