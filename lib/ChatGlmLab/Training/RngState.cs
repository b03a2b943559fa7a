using ChatGlmLab.Checkpoints;
using static TorchSharp.torch;

namespace ChatGlmLab.Training;

/// <summary>
/// torch's CPU generator state (dropout masks come from it), saved raw so a resumed run draws the same
/// masks an uninterrupted one would. Data order does not depend on it (batch sources use their own seed).
/// </summary>
public static class RngState
{
    public const string FileName = "rng_state.bin";

    public static void Save(string dir)
    {
        using var state = TorchSharp.torch.random.get_rng_state();
        var bytes = state.data<byte>().ToArray();
        Checkpoints.CheckpointWriter.WriteAtomically(Path.Combine(dir, FileName), s => s.Write(bytes));
    }

    public static void Restore(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint has no {FileName}: {dir}", path);
        using var state = tensor(File.ReadAllBytes(path), ScalarType.Byte);
        TorchSharp.torch.random.set_rng_state(state);
    }
}
