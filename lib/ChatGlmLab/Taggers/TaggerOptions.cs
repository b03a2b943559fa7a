namespace ChatGlmLab.Taggers;

/// <summary>
/// The character BiLSTM-CRF reference tagger: its shape and its training budget. The defaults are the comparison's
/// ("default" profile); the other profiles state only what they change. The shape follows the usual Chinese NER
/// baseline (character embeddings, one bidirectional LSTM layer, a CRF over BIO tags; Lample et al. 2016,
/// the CLUENER2020 paper's BiLSTM-CRF row); training is Adam with gradient clipping, as those baselines do.
/// </summary>
public sealed record TaggerOptions
{
    public int EmbeddingSize { get; init; } = 100;
    /// <summary>Hidden units per direction (the BiLSTM's output has twice as many).</summary>
    public int HiddenSize { get; init; } = 128;
    public double Dropout { get; init; } = 0.3;

    // Budget: whichever ends first. The profiles give epochs only, so a run's result does not depend on the machine's load.
    /// <summary>Passes over the train sentences (0 = no tagger: the comparison leaves its column out). 20 passes over the
    /// default profile's 240 sentences take about 32 s here (Intel Xeon, 2 cores), a quarter of one method's fine-tuning;
    /// entity F1 90.7 / 93.3 / 90.1 over seeds 42 / 43 / 44, against 90.7 / 94.1 / 90.1 after 30 passes (42 s).</summary>
    public int Epochs { get; init => field = value >= 0 ? value : throw new ArgumentException($"TaggerOptions.Epochs = {value}: the tagger's passes are 0 (no tagger) or more"); } = 20;
    /// <summary>Wall-clock limit on training, checked after every batch; 0 = none (the epochs alone decide).</summary>
    public double MaxSeconds { get; init => field = double.IsFinite(value) && value >= 0 ? value : throw new ArgumentException($"TaggerOptions.MaxSeconds = {value}: the tagger's time cap is in seconds, 0 (none) or more"); }

    public int BatchSize { get; init => field = value >= 1 ? value : throw new ArgumentException($"TaggerOptions.BatchSize = {value}: a batch holds 1 sentence or more"); } = 16;
    public double LearningRate { get; init; } = 5e-3;
    /// <summary>Total gradient 2-norm clipped to this (0 = no clipping).</summary>
    public double MaxGradNorm { get; init; } = 5.0;

    public string Describe() =>
        $"character embedding {EmbeddingSize}, BiLSTM 2×{HiddenSize}, dropout {Dropout}, CRF over BIO tags; Adam lr {LearningRate}, batch {BatchSize}, " +
        $"{Epochs} epochs" + (MaxSeconds > 0 ? $" or {MaxSeconds:F0} s, whichever ends first" : "");
}
