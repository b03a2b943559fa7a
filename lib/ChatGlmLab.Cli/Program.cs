using ChatGlmLab.Cli;
using ChatGlmLab.Runtime;

// Before any tensor exists: freed tensor memory stays in the process for reuse (see NativeAllocator).
NativeAllocator.KeepFreedMemory();
return CliApp.Run(args, Console.In, Console.Out, Console.Error);
