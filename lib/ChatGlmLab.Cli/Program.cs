using ChatGlmLab.Cli;
using ChatGlmLab.Distributed;
using ChatGlmLab.Runtime;

// First, before any ChatGlmLab type loads libtorch: its OpenMP threads sleep between regions (see OpenMpWaitPolicy).
OpenMpWaitPolicy.SleepWhenIdle();
// Before any tensor exists: freed tensor memory stays in the process for reuse (see NativeAllocator).
NativeAllocator.KeepFreedMemory();
// Started by mpirun (a data-parallel run): rank 0 alone prints the run's messages (every rank's errors still show).
var world = ProcessGroup.Current;
int code = CliApp.Run(args, Console.In, world.IsMain ? Console.Out : TextWriter.Null, Console.Error);
if (world.IsDistributed)
{
    if (code != CliApp.Ok)
    {
        // The other ranks would wait for this one in their next collective forever: MPI_Abort stops them all.
        Console.Error.WriteLine($"rank {world.Rank} of {world.Size} failed (exit {code}): stopping every rank (MPI_Abort)");
        Console.Error.Flush();
        world.Abort(code);
    }
    world.FinishMpi();
}
return code;
