using static TorchSharp.torch;

namespace ChatGlmLab.Taggers;

/// <summary>
/// Runs the tagger's torch ops on one thread, restoring the process's setting afterwards. The tagger's ops are tiny
/// (a 45-character sentence, 256 hidden units) and many (the CRF walks the sentence step by step), so splitting each
/// over two threads buys nothing and costs a synchronisation per op — which, when other processes share the cores,
/// waits for a descheduled thread (measured here: the same 8-epoch test took 7 s on an idle machine, 159 s under load).
/// </summary>
public sealed class OneThread : IDisposable
{
    private readonly int _previous;

    private OneThread()
    {
        _previous = get_num_threads();
        set_num_threads(1);
    }

    public static OneThread Scope() => new();

    public void Dispose() => set_num_threads(_previous);
}
