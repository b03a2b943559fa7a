using ChatGlmLab.Cli;
using ChatGlmLab.Runtime;

// First, before any ChatGlmLab type loads libtorch: its OpenMP threads sleep between regions (see OpenMpWaitPolicy).
OpenMpWaitPolicy.SleepWhenIdle();
// Before any tensor exists: freed tensor memory stays in the process for reuse (see NativeAllocator).
NativeAllocator.KeepFreedMemory();
return CliApp.Run(args, Console.In, Console.Out, Console.Error);
