using ChatGlmLab.Tokenization;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Tokenization;

/// <summary>Bad files, text outside the vocabulary, and behaviour checked against sentencepiece 0.1.97 beyond the fixtures.</summary>
public sealed class TokenizerInputTests(RealTokenizerFixture fixture) : IClassFixture<RealTokenizerFixture>
{
    private ChatGlmTokenizer T => fixture.Tokenizer;

    [Fact]
    public void Missing_model_file_is_named()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "ice_text.model");
        var e = Assert.Throws<FileNotFoundException>(() => ChatGlmTokenizer.FromModelFile(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Directory_without_model_is_named()
    {
        string dir = Directory.CreateTempSubdirectory("chatglmlab-empty-").FullName;
        try
        {
            var e = Assert.Throws<FileNotFoundException>(() => ChatGlmTokenizer.FromPretrained(dir));
            Assert.Contains(Path.Combine(dir, "ice_text.model"), e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("tokenizer", "tokenizer_config.json")]
    [InlineData("tokenizer", "cases.json")]
    public void Non_sentencepiece_file_is_rejected_with_its_name(string folder, string file)
    {
        string path = Paths.Fixture(folder, file);
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmTokenizer.FromModelFile(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Random_bytes_are_rejected_with_the_file_name()
    {
        string path = Path.Combine(Path.GetTempPath(), "chatglmlab-random-" + Guid.NewGuid().ToString("N") + ".model");
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => ChatGlmTokenizer.FromModelFile(path));
            Assert.Contains(path, e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Bad_tokenizer_config_is_named()
    {
        string dir = Directory.CreateTempSubdirectory("chatglmlab-badconfig-").FullName;
        try
        {
            File.Copy(Paths.Fixture("tokenizer-small", "tokenizer.model"), Path.Combine(dir, "ice_text.model"));
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{ \"num_image_tokens\": \"many\" }");
            var e = Assert.Throws<InvalidDataException>(() => ChatGlmTokenizer.FromPretrained(dir));
            Assert.Contains("tokenizer_config.json", e.Message);
            Assert.Contains("num_image_tokens", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("\uE000\uE001私用区")]             // private use area
    [InlineData("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ꙮ ᚠᛇᚻ 𓀀")]                // rare scripts, astral planes
    [InlineData("\ud800 lone surrogate \udc00")]
    [InlineData("\u0000\u0001\u007f\u009f")]
    public void Text_outside_the_vocabulary_falls_back_to_bytes(string text)
    {
        var ids = T.Encode(text);
        Assert.All(ids, id => Assert.InRange(id, 0, T.VocabSize - 1));
        Assert.DoesNotContain(T.UnkId, ids);
        _ = T.Decode(ids);
        _ = T.Tokenize(text);
    }

    // Expected ids computed with the reference sentencepiece 0.1.97 (Debian python3-sentencepiece) on ice_text.model.
    [Theory]
    [InlineData("\u0000a\u0001b\u200bc\u007f", new[] { 5, 130088, 2743, 393 })] // NUL -> byte piece; U+0001/U+007F removed (library defect 4)
    [InlineData("a \u0001 b", new[] { 104, 463 })]
    [InlineData("\u0001", new int[0])]
    [InlineData("a\u0085b", new[] { 104, 129925, 178 })]
    [InlineData("\uFF21\u007F\u0301", new[] { 167, 128851 })] // deleting U+007F first would compose "Á" (127595)
    [InlineData("e\u0001\u0301", new[] { 372, 128851 })]
    [InlineData("A\u0301", new[] { 127595 })]
    [InlineData("\u0001\u3000 x\u001f", new[] { 399 })]
    public void Control_characters_match_sentencepiece(string text, int[] expected) =>
        Assert.Equal(expected, T.Sp.Encode(text));

    // Expected strings from sentencepiece 0.1.97 DecodeIds on ice_text.model.
    [Theory]
    [InlineData(new[] { 5, 19316 }, "Hello")]
    [InlineData(new[] { 5, 5, 19316 }, "Hello")]
    [InlineData(new[] { 130004, 19316 }, "Hello")]
    [InlineData(new[] { 0, 19316 }, " \u2047  Hello")]
    [InlineData(new[] { 130328, 19316 }, "\uFFFD Hello")]
    [InlineData(new[] { 130343, 130153, 130316, 130277 }, "\uFFFDA\uFFFD\uFFFD")]
    [InlineData(new[] { 130325, 130248, 130216 }, "\uFFFD\uFFFD\uFFFD")]
    public void Decoding_matches_sentencepiece(int[] ids, string expected) => Assert.Equal(expected, T.Sp.Decode(ids));

    /// <summary>
    /// The kit's own normalizer (used only for text hit by library defect 4) must agree with the library's wherever
    /// the defect is absent: every fixture string and every CLUENER dev sentence, on both fixture models.
    /// </summary>
    [Fact]
    public void Own_normalization_path_agrees_with_the_library()
    {
        var texts = fixture.Cases.GetProperty("strings").EnumerateArray().Select(c => c.GetProperty("text").GetString()!)
            .Concat(JsonLinesCorpus.ReadField(Paths.SharedData("cluener2020", "dev.json"))).ToList();
        foreach (var tokenizer in new[] { T, ChatGlmTokenizer.FromModelFile(Paths.Fixture("tokenizer-small", "tokenizer.model")) })
            foreach (var text in texts)
            {
                string preprocessed = GlmWhitespaceCodec.Preprocess(text);
                Assert.Equal(tokenizer.Sp.Encoder.EncodeToIds(preprocessed), tokenizer.Sp.Encoder.EncodeWithOwnNormalization(preprocessed));
            }
    }

    [Fact]
    public void Concurrent_encoding_gives_the_sequential_result()
    {
        var dev = JsonLinesCorpus.ReadField(Paths.SharedData("cluener2020", "dev.json")).ToList();
        var expected = dev.Select(s => T.Encode(s, addSpecialTokens: true)).ToArray();
        var actual = new int[dev.Count][];
        Parallel.For(0, dev.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = T.Encode(dev[i], addSpecialTokens: true));
        for (int i = 0; i < dev.Count; i++) Assert.Equal(expected[i], actual[i]);
    }

    [Fact]
    public void Pad_batch_of_unequal_rows_masks_pads()
    {
        var batch = T.PadBatch([[5, T.GMaskId, T.BosId], [7, 8, 9, T.GMaskId, T.BosId]]);
        Assert.Equal([T.PadId, T.PadId, 5, T.GMaskId, T.BosId], batch.InputIds[0]);
        Assert.All(batch.AttentionMask[0][0], Assert.True);
        Assert.Equal([0L, 0, 0, 1, 1], batch.PositionIds[0][0]);
        Assert.Equal([0L, 0, 0, 0, 1], batch.PositionIds[0][1]);
    }

    [Fact]
    public void Prompt_templates()
    {
        var chat = PromptTemplate.Get("chatglm");
        Assert.Same(chat, PromptTemplate.Default);
        Assert.Equal("q", chat.BuildPrompt("q", []));
        Assert.Equal("[Round 0]\n问：\n答：\n[Round 1]\n问：\n答：\n[Round 2]\n问：q\n答：", chat.BuildPrompt("q", [("", ""), ("", "")]));
        Assert.Equal("[Round 1]\n\n问：q\n\n答：", PromptTemplate.Get("chatglm-cet").BuildPrompt("q", []));
        Assert.Throws<ArgumentException>(() => PromptTemplate.Get("alpaca"));
    }
}
