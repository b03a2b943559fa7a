// Exactly the README's two using-lines (xunit's global using aside): the snippet below must compile with them alone.
using ChatGlmLab;
using ChatGlmLab.Modeling;

namespace Readme;

/// <summary>
/// The README's "Using the library" block, call for call, against the tiny fixture checkpoint. The namespace is
/// outside ChatGlmLab on purpose: the root-namespace extension members (FromPretrained, Generate) must be reachable
/// through <c>using ChatGlmLab;</c>, as in a user's program. Everything else is named in full, to add no using.
/// </summary>
public sealed class ReadmeLibraryUsageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "chatglmlab-readme-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void TheUsingTheLibrarySnippetRunsOnTheTinyFixture()
    {
        var modelDir = ChatGlmLab.Tests.Infrastructure.Paths.Fixture("chatglm-tiny");
        var inputIds = TorchSharp.torch.tensor(new long[] { 10, 11, 12, 591, 594 }, [1, 5]);   // ids... [gMASK] <sop> of the tiny model
        var labels = TorchSharp.torch.tensor(new long[] { -100, -100, -100, -100, 20 }, [1, 5]);
        var (baseDir, loraA) = (BaseDirWithTokenizer(modelDir), CopyLora("lora-a"));

        // --- README "Using the library" ---
        // One LoRA checkpoint (a temp copy) where the README chains "lora-a,lora-b": FineTuning.ApplyCheckpoints merges
        // an earlier adapter when the next one comes, which a quantized (QuantizationBit = 4) base cannot take.
        var model = ChatGlmForConditionalGeneration.FromPretrained(modelDir);   // options: dtype, device, quantization_bit
        var output = model.forward(inputIds);                                     // [batch, seq] int64 → output.Logits [batch, seq, vocab]
        // forward(inputIds, positionIds, attentionMask, labels): ChatGLM mask polarity (true = masked); output.Loss
        var withLoss = model.forward(inputIds, null, null, labels);
        var ids = model.Generate(inputIds, new ChatGlmLab.Generation.GenerationOptions { MaxNewTokens = 8, DoSample = false });

        // the seed's deploy API: base (optionally quantized) + fine-tuning checkpoints applied in order + tokenizer
        var (chatModel, tokenizer) = ChatGlm.LoadPretrained(new ModelArguments { ModelNameOrPath = baseDir, CheckpointDir = loraA, QuantizationBit = 4 });
        var (reply, history) = new ChatGlmLab.Generation.ChatSession(chatModel, tokenizer!).Chat("你好");
        // --- end of the README block ---

        Assert.Equal(new long[] { 1, 5, 600 }, output.Logits.shape);
        Assert.NotNull(withLoss.Loss);
        Assert.Equal(13, ids.shape[1]);
        Assert.NotNull(reply);
        Assert.Single(history);
        model.Dispose();
        chatModel.Dispose();
    }

    /// <summary>
    /// A copy of the tiny checkpoint with a tokenizer (the fixture has none): 250 single-character pieces plus ChatGLM's
    /// fixed pieces, so every id the 600-row model can produce decodes; config.json's special ids point at its specials.
    /// </summary>
    private string BaseDirWithTokenizer(string modelDir)
    {
        var dir = Path.Combine(_root, "base");
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(modelDir)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        var corpus = Enumerable.Range(0, 248).Select(i => ((char)(0x4E00 + i)).ToString()).Append("你好").ToList();
        var built = ChatGlmLab.Tokenization.SentencePieceModelBuilder.Build(corpus, dir,
            new ChatGlmLab.Tokenization.SentencePieceBuilderOptions { MinCharacterFrequency = 1, MultiCharacterPieces = 0 });
        var config = ChatGlmConfig.FromPretrained(dir);
        // Exactly the model's rows: every id the model can produce decodes, and no id the tokenizer produces lacks an embedding.
        Assert.True(built.VocabSize == config.VocabSize, $"tokenizer has {built.VocabSize} ids, the model {config.VocabSize}");
        Assert.True(new[] { built.MaskId, built.GMaskId, built.BosId, built.EosId, built.PadId }.All(id => id < config.VocabSize));
        config.MaskTokenId = built.MaskId;
        config.GMaskTokenId = built.GMaskId;
        config.BosTokenId = built.BosId;
        config.EosTokenId = built.EosId;
        config.PadTokenId = built.PadId;
        config.Save(Path.Combine(dir, "config.json"));
        return dir;
    }

    private string CopyLora(string name)
    {
        var dir = Path.Combine(_root, name);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(ChatGlmLab.Tests.Infrastructure.Paths.Fixture("chatglm-tiny-lora")))
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
