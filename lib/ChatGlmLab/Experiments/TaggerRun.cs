using System.Diagnostics;
using ChatGlmLab.Evaluation;
using ChatGlmLab.Runtime;
using ChatGlmLab.Taggers;

namespace ChatGlmLab.Experiments;

/// <summary>
/// The comparison's reference row: a character BiLSTM-CRF (<see cref="CharacterTagger"/>) trained on the same train
/// sentences as the fine-tuned models, for the budget in <see cref="CompareOptions.Tagger"/>, over the experiment's entity
/// types, then scored on the same dev sentences with the same entity scorer (<see cref="EntityScoring"/>). It shows
/// where the LLM methods stand against the kind of baseline the CLUENER2020 paper reports.
/// </summary>
public static class TaggerRun
{
    public static TaggerResult Run(ExperimentData data, Action<string>? log = null)
    {
        var options = data.Options;
        ProcessMemory.ResetPeak();
        using var tagger = CharacterTagger.Create(data.TrainExamples, options.Instructions.Labels, options.Tagger, options.Seed);
        var train = TaggerTraining.Train(tagger, data.TrainExamples, options.Seed, log);
        if (train.UntaggableSentences > 0)
            log?.Invoke($"tagger: {train.UntaggableSentences} of {data.TrainExamples.Count} train sentences left out (overlapping spans, types outside the label set, or empty)");
        var clock = Stopwatch.StartNew();
        var entity = EntityScoring.Score(data.DevExamples, tagger.Predict(data.DevExamples.Select(e => e.Text).ToList()));
        log?.Invoke($"tagger: {train.Epochs:F1} epochs ({train.Steps} steps) in {train.Seconds:F0} s, entity F1 {entity.Micro.F1 * 100:F1} " +
                    $"(P {entity.Micro.Precision * 100:F1}, R {entity.Micro.Recall * 100:F1})");
        return new TaggerResult
        {
            Settings = options.Tagger.Describe(), Entity = entity, TrainableParameters = tagger.ParameterCount,
            Epochs = train.Epochs, Steps = train.Steps, TrainSeconds = train.Seconds, EpochLosses = train.EpochLosses,
            UntaggableTrainSentences = train.UntaggableSentences, PredictSeconds = clock.Elapsed.TotalSeconds,
            PeakResidentBytes = ProcessMemory.PeakResidentBytes(),
        };
    }
}
