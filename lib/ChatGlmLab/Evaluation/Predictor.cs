using ChatGlmLab.Datasets;
using ChatGlmLab.Generation;
using ChatGlmLab.Generation.Constraints;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tokenization;
using static TorchSharp.torch;

namespace ChatGlmLab.Evaluation;

/// <summary>
/// predict_with_generate over instruction records: prompts are built and tokenized like evaluation
/// inputs, sorted by length into left-padded batches (less padding), generated with the given
/// options (and optional per-record token constraints) and decoded without special tokens, in the records' original order.
/// </summary>
public sealed class Predictor(ChatGlmForConditionalGeneration model, SupervisedPreprocessor preprocessor, GenerationOptions generation, int batchSize = 16)
{
    public GenerationOptions Generation => generation;
    public ChatGlmTokenizer Tokenizer => preprocessor.Tokenizer;

    /// <summary>Generated tokens in total over all calls (for cost per sentence).</summary>
    public long GeneratedTokens { get; private set; }

    /// <summary>Answers generated over all calls, and those of them that reached the length limit without the end token:
    /// their text is cut, which <see cref="CutNote"/> reports rather than letting it pass as the model's answer.</summary>
    public int Answers { get; private set; }
    public int AnswersCut { get; private set; }

    /// <summary>One line saying how many answers the length limit cut, or null when none was.</summary>
    public string? CutNote() => AnswersCut == 0 ? null
        : $"{AnswersCut} of {Answers} answers reached the length limit ({(generation.MaxNewTokens is int n ? $"max_new_tokens {n}" : $"max_length {generation.MaxLength}")}) " +
          "before the end token: their text is cut (a model that never ends its answers cuts all of them); raise the limit to see them whole";

    /// <param name="records">The records to answer; the predictions come back in this order.</param>
    /// <param name="progress">Called after each batch with (records done, records in all); null for none.</param>
    /// <param name="evaluationExamples">The records already preprocessed with ForEvaluation (e.g. from a
    /// <see cref="PreprocessingCache"/>), one per record; null to preprocess them here.</param>
    /// <param name="constraints">Token constraints, one per record (null entries unrestricted), or null for none.</param>
    public IReadOnlyList<string> Predict(IReadOnlyList<InstructionRecord> records, Action<int, int>? progress = null,
        IReadOnlyList<TokenizedExample>? evaluationExamples = null, IReadOnlyList<ITokenConstraint?>? constraints = null)
    {
        var tokenizer = preprocessor.Tokenizer;
        if (evaluationExamples != null && evaluationExamples.Count != records.Count)
            throw new ArgumentException($"{evaluationExamples.Count} preprocessed examples for {records.Count} records", nameof(evaluationExamples));
        var inputs = evaluationExamples?.Select(e => e.InputIds).ToArray() ?? records.Select(r => preprocessor.ForEvaluation(r).InputIds).ToArray();
        var order = Enumerable.Range(0, inputs.Length).OrderBy(i => inputs[i].Length).ToArray();
        var predictions = new string[records.Count];
        int done = 0;
        model.eval();
        foreach (var members in order.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            var batch = BatchCollator.Collate(tokenizer, members.Select(i => inputs[i]).ToList());
            var output = model.Generate(batch.InputIds, generation, batch.AttentionMask, batch.PositionIds,
                constraints: constraints is null ? null : members.Select(i => constraints[i]).ToList());
            long promptLength = batch.InputIds.shape[1];
            var generated = output.narrow(1, promptLength, output.shape[1] - promptLength).cpu();
            var rows = generated.data<long>().ToArray();
            int width = (int)generated.shape[1];
            for (int r = 0; r < members.Length; r++)
            {
                var ids = rows.AsSpan(r * width, width).ToArray().Select(i => (int)i).ToList();
                int eos = ids.IndexOf(tokenizer.EosId);
                GeneratedTokens += eos < 0 ? ids.Count : eos + 1;
                Answers++;
                if (eos < 0) AnswersCut++;
                predictions[members[r]] = tokenizer.Decode(ids, skipSpecialTokens: true);
            }
            done += members.Length;
            progress?.Invoke(done, records.Count);
        }
        return predictions;
    }
}
