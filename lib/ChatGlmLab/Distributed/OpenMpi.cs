using System.Runtime.InteropServices;

namespace ChatGlmLab.Distributed;

/// <summary>
/// The few MPI calls data-parallel training needs, bound directly to Open MPI's libmpi.so.40 (Debian's openmpi-bin /
/// libopenmpi-dev; the same soname on every current Linux distribution).
/// <para>
/// Why a thin binding rather than MPI.NET 1.4.0: MPI.NET is not among the packages served here, its Linux support is a
/// build of its own native glue against the local MPI, and it is built around serialising .NET objects. Training
/// needs eight calls on float buffers (init, rank/size, broadcast, all-reduce, barrier, abort, finalize), which are a
/// stable C ABI: one file, nothing to build, nothing loaded unless the process was started by mpirun.
/// </para>
/// <para>
/// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are addresses of exported globals
/// (<c>ompi_mpi_comm_world</c>, ...), read here with <see cref="NativeLibrary.GetExport"/>; MPICH encodes them as
/// integers instead, so this binding is Open MPI's (the one Debian ships as the default MPI).
/// The library is opened with RTLD_GLOBAL (as mpi4py does): Open MPI's plugins (mca_*.so) resolve symbols of
/// libmpi and its siblings from the global namespace, and .NET's own loader opens libraries RTLD_LOCAL.
/// </para>
/// </summary>
internal sealed unsafe class OpenMpi
{
    public const string LibraryName = "libmpi.so.40";
    private const int Success = 0;
    private const int ThreadSerialized = 2;   // MPI_THREAD_SERIALIZED: calls from any thread, one at a time
    private static readonly IntPtr InPlace = 1;   // MPI_IN_PLACE

    private readonly IntPtr _commWorld, _float, _double, _sum;
    private readonly delegate* unmanaged<int*, byte***, int, int*, int> _initThread;
    private readonly delegate* unmanaged<IntPtr, int*, int> _commRank, _commSize;
    private readonly delegate* unmanaged<void*, int, IntPtr, int, IntPtr, int> _bcast;
    private readonly delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, int> _allreduce;
    private readonly delegate* unmanaged<IntPtr, int> _barrier;
    private readonly delegate* unmanaged<IntPtr, int, int> _abort;
    private readonly delegate* unmanaged<int> _finalize;

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpen(string file, int mode);

    [DllImport("libc", EntryPoint = "dlerror")]
    private static extern IntPtr DlError();

    private OpenMpi(IntPtr library)
    {
        IntPtr Export(string name) => NativeLibrary.GetExport(library, name);
        _commWorld = Export("ompi_mpi_comm_world");
        _float = Export("ompi_mpi_float");
        _double = Export("ompi_mpi_double");
        _sum = Export("ompi_mpi_op_sum");
        _initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export("MPI_Init_thread");
        _commRank = (delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_rank");
        _commSize = (delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_size");
        _bcast = (delegate* unmanaged<void*, int, IntPtr, int, IntPtr, int>)Export("MPI_Bcast");
        _allreduce = (delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, int>)Export("MPI_Allreduce");
        _barrier = (delegate* unmanaged<IntPtr, int>)Export("MPI_Barrier");
        _abort = (delegate* unmanaged<IntPtr, int, int>)Export("MPI_Abort");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
    }

    /// <summary>Loads libmpi and calls MPI_Init_thread; a missing library is one line saying what to install.</summary>
    public static OpenMpi Initialize()
    {
        const int RtldNow = 0x002, RtldGlobal = 0x100;
        IntPtr library = DlOpen(LibraryName, RtldNow | RtldGlobal);
        if (library == IntPtr.Zero)
            throw new DllNotFoundException($"this process was started by mpirun but {LibraryName} cannot be loaded " +
                $"({Marshal.PtrToStringUTF8(DlError())}); install Open MPI: apt-get install openmpi-bin libopenmpi-dev");
        var mpi = new OpenMpi(library);
        int provided;
        mpi.Check(mpi._initThread(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < ThreadSerialized)
            throw new InvalidOperationException($"Open MPI provides thread level {provided}; data-parallel training needs MPI_THREAD_SERIALIZED ({ThreadSerialized})");
        return mpi;
    }

    public int Rank() { int r; Check(_commRank(_commWorld, &r), "MPI_Comm_rank"); return r; }

    public int Size() { int s; Check(_commSize(_commWorld, &s), "MPI_Comm_size"); return s; }

    public void BroadcastFloats(Span<float> buffer, int root)
    {
        fixed (float* p = buffer) Check(_bcast(p, buffer.Length, _float, root, _commWorld), "MPI_Bcast");
    }

    public void SumFloats(Span<float> buffer)
    {
        fixed (float* p = buffer) Check(_allreduce((void*)InPlace, p, buffer.Length, _float, _sum, _commWorld), "MPI_Allreduce");
    }

    public void SumDoubles(Span<double> buffer)
    {
        fixed (double* p = buffer) Check(_allreduce((void*)InPlace, p, buffer.Length, _double, _sum, _commWorld), "MPI_Allreduce");
    }

    public void Barrier() => Check(_barrier(_commWorld), "MPI_Barrier");

    /// <summary>MPI_Abort: Open MPI kills every process of the job (mpirun reports which rank aborted).</summary>
    public void Abort(int code) => _abort(_commWorld, code);

    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    private void Check(int code, string call)
    {
        // Open MPI's default error handler aborts the job before a failing call returns; this is the backstop.
        if (code != Success) throw new InvalidOperationException($"{call} failed with MPI error code {code}");
    }
}
