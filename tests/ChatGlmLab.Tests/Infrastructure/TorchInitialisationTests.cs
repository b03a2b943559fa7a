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
        var original = Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).First();
        var bytes = File.ReadAllBytes(original);
        var before = ElfVersionNeeds.Read(bytes, original);
        Assert.Contains(before, n => n.Version == "GLIBCXX_3.4.32" && !n.IsWeak);
        Assert.Equal(1, ElfVersionNeeds.MarkWeak(bytes, "GLIBCXX_3.4.32", original));
        var after = ElfVersionNeeds.Read(bytes, original);
        Assert.All(after, n => Assert.Equal(n.Version == "GLIBCXX_3.4.32", n.IsWeak));
        Assert.Equal(0, ElfVersionNeeds.MarkWeak(bytes, "GLIBCXX_3.4.32", original)); // idempotent
    }

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
            Assert.Contains("logits 1x4x100", stdout);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
