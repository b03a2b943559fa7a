using ChatGlmLab.Cli;
using ChatGlmLab.Cli.Commands;

namespace ChatGlmLab.Tests.Cli;

/// <summary>chatglm-lab launch: its options, and the mpirun command line it runs (the ranks run the command unchanged).</summary>
public class LaunchCommandTests
{
    [Fact]
    public void Launch_runs_mpirun_with_the_processes_threads_and_the_command_unchanged()
    {
        var request = LaunchCommand.Parse(["--nproc", "2", "--threads", "1", "train", "--do_train", "--output_dir", "x"]);
        Assert.Equal(["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none", "-x", "OMP_NUM_THREADS=1", "dotnet", "app.dll", "train", "--do_train", "--output_dir", "x"],
            LaunchCommand.MpirunCommandLine(request, ["dotnet", "app.dll"]));

        string hostfile = Path.GetTempFileName();
        try
        {
            var line = LaunchCommand.MpirunCommandLine(LaunchCommand.Parse(["--nproc", "4", "--hostfile", hostfile, "train"]), ["chatglm-lab"]);
            // Several machines: their slots decide, and each rank takes its machine's share of cores itself.
            Assert.Equal(["mpirun", "-np", "4", "--hostfile", hostfile, "--bind-to", "none", "chatglm-lab", "train"], line);
        }
        finally { File.Delete(hostfile); }
    }

    [Theory]
    [InlineData("train", "launch needs --nproc")]
    [InlineData("--nproc 0 train", "--nproc '0' is not a positive number")]
    [InlineData("--nproc 2", "launch needs the command to run")]
    [InlineData("--nproc 2 --hostfile /nonexistent/hosts train", "--hostfile /nonexistent/hosts does not exist")]
    [InlineData("--nproc 2 --gpus 2 train", "unknown argument --gpus")]
    [InlineData("--nproc 2 launch train", "launch cannot launch itself")]
    public void Bad_launch_arguments_get_one_line_naming_the_problem(string args, string message)
    {
        var run = TinyCliModelFixture.Run(["launch", .. args.Split(' ')]);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(message, run.Stderr);
    }
}
