using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Distributed;

/// <summary>
/// The processes of one data-parallel run (torch.distributed's default process group, on MPI): this process's rank,
/// the world size, and the collectives training uses. <see cref="Current"/> is the one group of the process:
/// started by mpirun (Open MPI's OMPI_COMM_WORLD_* variables are set) it initialises MPI; otherwise it is a world
/// of one process and MPI is never loaded, so a plain run is exactly what it was before data parallelism.
/// </summary>
public sealed class ProcessGroup
{
    /// <summary>Variables Open MPI's launcher sets in every process it starts.</summary>
    public const string WorldSizeVariable = "OMPI_COMM_WORLD_SIZE", LocalRankVariable = "OMPI_COMM_WORLD_LOCAL_RANK",
        LocalSizeVariable = "OMPI_COMM_WORLD_LOCAL_SIZE";

    private static readonly Lazy<ProcessGroup> Instance = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly OpenMpi? _mpi;
    private readonly Stopwatch _communication = new();

    /// <summary>This process's group: MPI's world when started by mpirun, else a world of one.</summary>
    public static ProcessGroup Current => Instance.Value;

    /// <summary>A world of one process (no MPI).</summary>
    public static ProcessGroup Single { get; } = new(null, 0, 1, 0, 1);

    public int Rank { get; }
    public int Size { get; }
    /// <summary>The rank among the processes on this machine (which GPU a process takes: <see cref="CudaDevice"/>).</summary>
    public int LocalRank { get; }
    public int LocalSize { get; }
    /// <summary>Rank 0: the process that writes logs, checkpoints and results (HF's is_world_process_zero).</summary>
    public bool IsMain => Rank == 0;
    public bool IsDistributed => Size > 1;
    /// <summary>Wall time spent inside collectives, waiting for the other ranks included (the benchmark's communication share).</summary>
    public TimeSpan CommunicationTime => _communication.Elapsed;

    private ProcessGroup(OpenMpi? mpi, int rank, int size, int localRank, int localSize)
    {
        _mpi = mpi;
        Rank = rank;
        Size = size;
        LocalRank = localRank;
        LocalSize = localSize;
    }

    private static ProcessGroup Create()
    {
        if (Environment.GetEnvironmentVariable(WorldSizeVariable) is not { Length: > 0 }) return Single;
        var mpi = OpenMpi.Initialize();
        int localRank = int.TryParse(Environment.GetEnvironmentVariable(LocalRankVariable), out int lr) ? lr : 0;
        int localSize = int.TryParse(Environment.GetEnvironmentVariable(LocalSizeVariable), out int ls) ? ls : 1;
        var group = new ProcessGroup(mpi, mpi.Rank(), mpi.Size(), localRank, localSize);
        // Several ranks on one machine each using every core would fight for them: unless OMP_NUM_THREADS says
        // otherwise (the launcher sets it), each rank takes its share of the cores for torch's intra-op threads.
        if (Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is not { Length: > 0 })
            set_num_threads(Math.Max(1, Environment.ProcessorCount / Math.Max(1, localSize)));
        return group;
    }

    /// <summary>
    /// The CUDA device of this process when CUDA is available: one process per GPU, GPU = local rank (what
    /// torchrun / accelerate give each process as LOCAL_RANK). Written for GPU machines; untested here (CPU only).
    /// </summary>
    public Device? CudaDevice() => cuda.is_available() ? new Device(DeviceType.CUDA, LocalRank % Math.Max(1, cuda.device_count())) : null;

    /// <summary>Copies rank <paramref name="root"/>'s values of each float32 tensor into every rank's (in place).</summary>
    public void Broadcast(IReadOnlyList<Tensor> tensors, int root = 0)
    {
        if (_mpi is null) return;
        foreach (var bucket in GradientBucket.Plan(tensors))
            bucket.Run(tensors, (buffer, count) => Collective(() => _mpi.BroadcastFloats(buffer.AsSpan(0, count), root)));
    }

    /// <summary>Replaces each float32 tensor by its mean over the ranks, flattened into buckets (DDP's gradient all-reduce).</summary>
    public void AverageInPlace(IReadOnlyList<Tensor> tensors)
    {
        if (_mpi is null) return;
        float inverse = 1f / Size;
        foreach (var bucket in GradientBucket.Plan(tensors))
            bucket.Run(tensors, (buffer, count) =>
            {
                Collective(() => _mpi.SumFloats(buffer.AsSpan(0, count)));
                // The division is taken once, on the sum (DDP divides before summing; the two differ in rounding only).
                for (int i = 0; i < count; i++) buffer[i] *= inverse;
            });
    }

    /// <summary>Replaces each value by its sum over the ranks (losses, token counts, flos of a step).</summary>
    public void SumInPlace(double[] values)
    {
        if (_mpi is null) return;
        Collective(() => _mpi.SumDoubles(values));
    }

    /// <summary>Waits until every rank reaches this point.</summary>
    public void Barrier()
    {
        if (_mpi is null) return;
        Collective(_mpi.Barrier);
    }

    /// <summary>
    /// Stops every process of the run (MPI_Abort): what a rank does when it fails, so the others do not wait forever
    /// in the next collective. A world of one simply returns (the caller exits).
    /// </summary>
    public void Abort(int exitCode) => _mpi?.Abort(exitCode);

    /// <summary>MPI_Finalize, once, at the end of a successful run (after it no collective may be called).</summary>
    public void FinishMpi() => _mpi?.FinalizeMpi();

    private void Collective(Action call)
    {
        _communication.Start();
        try { call(); }
        finally { _communication.Stop(); }
    }
}
