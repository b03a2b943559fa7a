using ChatGlmLab.Generation.Constraints;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;

namespace ChatGlmLab.Generation;

/// <summary>
/// Batched incremental decoding with a key/value cache, following upstream ChatGLM's generation
/// inputs exactly: the prompt pass uses the given (or model-built) mask and positions; each later
/// step feeds only the last token, with
/// • given masks: the previous step's mask row plus a visible column for the new token (upstream's
///   _update_model_kwargs_for_generation), given positions: last position with block position + 1;
/// • no masks: no masking, positions [mask_position, current_length - context_length].
/// Rows that produced eos get pad tokens afterwards; decoding stops when all rows stopped.
/// Optional per-row <see cref="ITokenConstraint"/>s restrict each step's choice (null entries: unrestricted).
/// </summary>
public static class TextGenerator
{
    public static Tensor Generate(ChatGlmForConditionalGeneration model, Tensor inputIds, GenerationOptions options,
        Tensor? attentionMask = null, Tensor? positionIds = null, Action<long[]>? onTokens = null,
        IReadOnlyList<ITokenConstraint?>? constraints = null)
    {
        var config = model.Config;
        long batch = inputIds.shape[0], promptLength = inputIds.shape[1];
        if (options.MaxNewTokens == null && promptLength >= options.MaxLength)
            throw new PromptTooLongException((int)promptLength, options.MaxLength);
        int maxNew = options.MaxNewTokens ?? options.MaxLength - (int)promptLength;
        long eos = options.EosTokenId ?? config.EosTokenId;
        long pad = options.PadTokenId ?? config.PadTokenId;
        var device = model.Device;
        using var generator = options.Seed is long seed ? new TorchSharp.torch.Generator((ulong)seed, device) : null;

        using var _ = no_grad();
        using var outer = NewDisposeScope();
        var ids = inputIds.to(device);
        var layout = ChatGlmInputs.Layout(ids.cpu().data<long>().ToArray(), batch, promptLength, config);
        attentionMask = attentionMask?.to(device);
        positionIds = positionIds?.to(device);

        using var cache = new KeyValueCache(config.NumLayers, promptLength + maxNew + (config.PreSeqLen ?? 0));
        var allTokens = ids;                                   // for the repetition penalty
        var generated = new List<Tensor>();
        var unfinished = ones(batch, ScalarType.Bool, device);
        if (constraints is not null && constraints.Count != batch)
            throw new ArgumentException($"{constraints.Count} constraints for a batch of {batch} rows", nameof(constraints));
        var rowsSoFar = constraints is null ? null : Enumerable.Range(0, (int)batch).Select(_ => new List<int>()).ToArray();

        // Prompt pass.
        Tensor logits = model.forward(new CausalLMInput(ids, positionIds, attentionMask) { Cache = cache, LastPositionOnly = true })
            .Logits.select(1, 0);
        Tensor? stepMask = attentionMask?.narrow(2, attentionMask.shape[2] - 1, 1);     // [b, 1, 1, keys]
        Tensor? stepPosition = positionIds?.narrow(2, positionIds.shape[2] - 1, 1);     // [b, 2, 1]

        for (int step = 0; step < maxNew; step++)
        {
            using var scope = NewDisposeScope();
            var next = NextTokens(logits, allTokens, options, generator, constraints, rowsSoFar);
            next = where(unfinished, next, full_like(next, pad));
            unfinished = unfinished.logical_and(next != eos);
            generated.Add(next.MoveToOuterDisposeScope());
            allTokens = cat([allTokens, next.unsqueeze(1)], 1).MoveToOuterDisposeScope();
            if (onTokens is not null || rowsSoFar is not null)
            {
                var chosen = next.cpu().data<long>().ToArray();
                onTokens?.Invoke(chosen);
                if (rowsSoFar is not null) for (int r = 0; r < chosen.Length; r++) rowsSoFar[r].Add((int)chosen[r]);
            }
            bool anyLeft = unfinished.any().item<bool>();
            unfinished = unfinished.MoveToOuterDisposeScope();
            if (!anyLeft || step == maxNew - 1) break;

            long total = promptLength + step + 1;
            Tensor? mask = null;
            if (stepMask is not null)
            {
                stepMask = cat([stepMask, zeros([batch, 1, 1, 1], ScalarType.Bool, device)], 3).MoveToOuterDisposeScope();
                mask = stepMask;
            }
            Tensor position;
            if (stepPosition is not null)
            {
                stepPosition = (stepPosition + tensor(new long[] { 0, 1 }, device: device).view(1, 2, 1)).MoveToOuterDisposeScope();
                position = stepPosition;
            }
            else position = ChatGlmInputs.DecodePositionIds(layout, total, device);

            logits = model.forward(new CausalLMInput(next.unsqueeze(1), position, mask) { Cache = cache, LastPositionOnly = true })
                .Logits.select(1, 0).MoveToOuterDisposeScope();
        }

        var result = generated.Count == 0 ? ids.clone() : cat([ids, stack(generated, 1)], 1);
        return result.MoveToOuterDisposeScope();
    }

    private static Tensor NextTokens(Tensor logits, Tensor allTokens, GenerationOptions options, TorchSharp.torch.Generator? generator,
        IReadOnlyList<ITokenConstraint?>? constraints, List<int>[]? rowsSoFar)
    {
        var scores = logits.to(ScalarType.Float32);
        scores = LogitsProcessing.RepetitionPenalty(scores, allTokens, options.RepetitionPenalty);
        if (options.InvalidScoreGuard) scores = LogitsProcessing.InvalidScoreGuard(scores);
        if (constraints is not null) scores = LogitsProcessing.AllowedTokensOnly(scores, constraints, rowsSoFar!);
        if (!options.DoSample) return scores.argmax(1);

        scores = LogitsProcessing.Temperature(scores, options.Temperature);
        scores = LogitsProcessing.TopK(scores, options.TopK);
        scores = LogitsProcessing.TopP(scores, options.TopP);
        return scores.softmax(1).multinomial(1, generator: generator).squeeze(1);
    }
}
