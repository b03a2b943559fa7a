using System.Diagnostics;
using ChatGlmLab.Modeling;
using ChatGlmLab.Runtime;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Infrastructure;

public class TorchInitialisationTests
{
    [Fact]
    public void TorchInitialisesThroughTheKit()
    {
        TorchNativeLoader.EnsureLoaded();
        Assert.DoesNotContain("failed", TorchNativeLoader.Status);
        Assert.Equal(6f, arange(4).to(ScalarType.Float32).sum().item<float>());
    }

    [Fact]
    public void ElfVersionNeedPatchMarksOnlyTheMissingVersionWeak()
    {
        // The package's own copy (the build output's is already patched, see the next test).
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } np ? np
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string version = typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3);
        var original = Path.Combine(packages, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        var bytes = File.ReadAllBytes(original);
        var before = ElfVersionNeeds.Read(bytes, original);
        Assert.Contains(before, n => n.Version == "GLIBCXX_3.4.32" && !n.IsWeak);
        Assert.Equal(1, ElfVersionNeeds.MarkWeak(bytes, "GLIBCXX_3.4.32", original));
        var after = ElfVersionNeeds.Read(bytes, original);
        Assert.All(after, n => Assert.Equal(n.Version == "GLIBCXX_3.4.32", n.IsWeak));
        Assert.Equal(0, ElfVersionNeeds.MarkWeak(bytes, "GLIBCXX_3.4.32", original)); // idempotent
    }

    [Fact]
    public void TheBuildOutputsCopyOfTheNativeLibraryIsPatched()
    {
        // Nothing at run time is needed for a build output: its copy already treats GLIBCXX_3.4.32 as weak.
        string copy = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(copy), copy);
        Assert.False(ElfVersionNeeds.NeedsStrictly(copy, "GLIBCXX_3.4.32"));
        Assert.Contains(ElfVersionNeeds.Read(File.ReadAllBytes(copy), copy), n => n.Version == "GLIBCXX_3.4.32" && n.IsWeak);
    }

    /// <summary>
    /// A user's program that calls torch.* before any kit type (so no kit module initializer has run) works: the build
    /// patched the native library in its output, which is what Debian 12 / Ubuntu 22.04 need.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void AFreshConsoleAppReferencingTheLibProjectInitialisesTorch()
    {
        var dir = Directory.CreateTempSubdirectory("chatglmlab-consumer-").FullName;
        try
        {
            string lib = Path.Combine(Paths.RepoRoot, "lib", "ChatGlmLab", "ChatGlmLab.csproj");
            File.WriteAllText(Path.Combine(dir, "consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
                  <ItemGroup><ProjectReference Include="{lib}" /></ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Program.cs"), """
                using ChatGlmLab.Modeling;
                using static TorchSharp.torch;
                // torch first, before any ChatGlmLab type is touched.
                Console.WriteLine("torch first " + arange(4).sum().item<long>());
                var config = new ChatGlmConfig { HiddenSize = 32, NumAttentionHeads = 2, NumLayers = 1, InnerHiddenSize = 64, VocabSize = 100,
                    MaskTokenId = 90, GMaskTokenId = 91, BosTokenId = 94, EosTokenId = 95 };
                using var model = ChatGlmForConditionalGeneration.Create(config);
                var logits = model.forward(tensor(new long[] { 5, 6, 91, 94 }, [1, 4])).Logits;
                Console.WriteLine("logits " + string.Join("x", logits.shape));
                """);
            var psi = new ProcessStartInfo("dotnet", "run") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            using var p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"consumer app failed ({p.ExitCode}):\n{stdout}\n{stderr}");
            Assert.Contains("torch first 6", stdout);
            Assert.Contains("logits 1x4x100", stdout);
            string copy = Directory.EnumerateFiles(Path.Combine(dir, "bin"), "libLibTorchSharp.so", SearchOption.AllDirectories).Single();
            Assert.False(ElfVersionNeeds.NeedsStrictly(copy, "GLIBCXX_3.4.32"), $"{copy} still needs GLIBCXX_3.4.32 strictly");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
