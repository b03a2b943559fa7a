using System.Diagnostics;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Training;
using static TorchSharp.torch;

namespace ChatGlmLab.Taggers;

/// <summary>What training the tagger did: passes made (a fraction when the time limit cut one short), updates, time, mean loss per pass, sentences it could not tag.</summary>
public sealed record TaggerTrainResult(double Epochs, int Steps, double Seconds, IReadOnlyList<double> EpochLosses, int UntaggableSentences);

/// <summary>
/// Trains a <see cref="CharacterTagger"/>: shuffled batches of the train sentences (a new order each pass, from the seed),
/// loss = mean CRF negative log-likelihood per sentence, the kit's AdamW (no weight decay, i.e. Adam) with the total
/// gradient norm clipped, for <see cref="TaggerOptions.Epochs"/> passes or <see cref="TaggerOptions.MaxSeconds"/>,
/// whichever ends first. Sentences that cannot be tagged one tag per character (overlapping spans, a type outside the
/// tag set, no characters) are left out and counted. Runs on one torch thread (<see cref="OneThread"/>).
/// </summary>
public static class TaggerTraining
{
    public static TaggerTrainResult Train(CharacterTagger tagger, IReadOnlyList<NerExample> train, int seed, Action<string>? log = null)
    {
        var options = tagger.Options;
        var examples = new List<(long[] Ids, long[] Tags)>();
        foreach (var example in train)
            if (example.Text.Length > 0 && tagger.Tags.TryEncode(example) is { } tags)
                examples.Add((tagger.Vocabulary.Encode(example.Text), tags));
        int untaggable = train.Count - examples.Count;
        if (examples.Count == 0) throw new ArgumentException($"none of the {train.Count} train sentences can be tagged (empty, overlapping spans or types outside {string.Join(", ", tagger.Tags.Types)})");

        using var thread = OneThread.Scope();
        var parameters = tagger.Model.named_parameters().Select(p => new TrainableParameter(p.name, p.parameter, decayWeights: false)).ToList();
        var optimizer = new AdamW(parameters, 0.9, 0.999, 1e-8, 0.0, torchVariant: true);
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var epochLosses = new List<double>();
        int steps = 0, batchesPerEpoch = (examples.Count + options.BatchSize - 1) / options.BatchSize;
        double epochs = 0;
        tagger.Model.train();
        try
        {
            for (int epoch = 0; epoch < options.Epochs && !OutOfTime(); epoch++)
            {
                var order = Enumerable.Range(0, examples.Count).OrderBy(_ => random.Next()).ToList();
                double lossSum = 0;
                int batches = 0;
                foreach (var chunk in order.Chunk(options.BatchSize))
                {
                    using (var scope = NewDisposeScope())
                    {
                        var batch = TaggerBatch.Of(chunk.Select(i => examples[i].Ids).ToList(), chunk.Select(i => examples[i].Tags).ToList());
                        var loss = tagger.Model.Loss(batch.Ids, batch.Lengths, batch.Tags!, batch.Mask);
                        loss.backward();
                        var gradients = parameters.Select(p => p.Gradient()).OfType<Tensor>().ToList();
                        if (options.MaxGradNorm > 0) GradientClipping.ClipByTotalNorm(gradients, options.MaxGradNorm);
                        optimizer.Step(options.LearningRate);
                        optimizer.ZeroGradients();
                        lossSum += loss.item<float>();
                    }
                    batches++;
                    steps++;
                    if (OutOfTime()) break;
                }
                epochs += (double)batches / batchesPerEpoch;
                epochLosses.Add(lossSum / batches);
                log?.Invoke($"tagger: epoch {epoch + 1}, loss {lossSum / batches:F3}, {clock.Elapsed.TotalSeconds:F0} s");
            }
        }
        finally
        {
            foreach (var p in parameters) p.Dispose();
        }
        tagger.Model.eval();
        return new TaggerTrainResult(epochs, steps, clock.Elapsed.TotalSeconds, epochLosses, untaggable);

        bool OutOfTime() => options.MaxSeconds > 0 && clock.Elapsed.TotalSeconds >= options.MaxSeconds;
    }
}
