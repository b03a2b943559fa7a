using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ChatGlmLab.Taggers;

/// <summary>
/// The reference sequence tagger: character ids → embedding → one bidirectional LSTM layer → a linear layer giving each
/// character a score per tag (the emissions) → <see cref="LinearChainCrf"/>. Sentences in a batch are padded at the end;
/// the LSTM reads them packed, so the backward direction starts at each sentence's own last character, not at padding.
/// </summary>
public sealed class BiLstmCrfTagger : nn.Module
{
    // Field names are the state-dict keys.
    public Embedding embedding;
    public Dropout dropout;
    public LSTM lstm;
    public Linear hidden2tag;
    public LinearChainCrf crf;

    public BiLstmCrfTagger(int vocabulary, BioTagSet tags, TaggerOptions options) : base(nameof(BiLstmCrfTagger))
    {
        embedding = nn.Embedding(vocabulary, options.EmbeddingSize, padding_idx: CharacterVocabulary.Padding);
        dropout = nn.Dropout(options.Dropout);
        lstm = nn.LSTM(options.EmbeddingSize, options.HiddenSize, bidirectional: true, batchFirst: true);
        hidden2tag = nn.Linear(2 * options.HiddenSize, tags.Count);
        crf = new LinearChainCrf(tags.Count, tags.Allowed);
        RegisterComponents();
    }

    /// <summary>Per-character tag scores [batch, length, tags] for character ids [batch, length] whose sentences have the given lengths.</summary>
    public Tensor Emissions(Tensor ids, Tensor lengths)
    {
        var x = dropout.call(embedding.call(ids));
        using var packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first: true, enforce_sorted: false);
        var (output, h, c) = lstm.call(packed);
        using (output)
        {
            h.Dispose();
            c.Dispose();
            var (padded, _) = nn.utils.rnn.pad_packed_sequence(output, batch_first: true, total_length: ids.shape[1]);
            return hidden2tag.call(dropout.call(padded));
        }
    }

    /// <summary>The mean negative log-likelihood of the gold tags per sentence (the training loss).</summary>
    public Tensor Loss(Tensor ids, Tensor lengths, Tensor tags, Tensor mask) =>
        crf.LogLikelihood(Emissions(ids, lengths), tags, mask).mean().neg();

    /// <summary>The best tag path of each sentence (call in eval mode).</summary>
    public IReadOnlyList<int[]> Predict(Tensor ids, Tensor lengths, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return crf.Decode(Emissions(ids, lengths), mask);
    }
}
