using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatGlmLab.Tokenization;

namespace ChatGlmLab.Tests.Tokenization;

/// <summary>
/// Every case of a fixture cases.json (produced by the unmodified upstream tokenization_chatglm.py), compared
/// exactly. Shared by the real model and the small stand-in.
/// </summary>
public abstract class TokenizerParityTests(TokenizerFixture fixture)
{
    protected TokenizerFixture F { get; } = fixture;
    private ChatGlmTokenizer T => F.Tokenizer;

    protected void CheckString(int index)
    {
        var c = F.Cases.GetProperty("strings")[index];
        string text = c.Str("text");
        string label = $"strings[{index}] {JsonSerializer.Serialize(text)}";

        Assert.True(c.Str("sp_preprocessed") == GlmWhitespaceCodec.Preprocess(text), $"{label}: sp_preprocessed");
        Same(c.Strs("sp_pieces"), T.Sp.Tokenize(text), label, "sp_pieces");
        Same(c.Ints("sp_ids"), T.Sp.Encode(text), label, "sp_ids");
        Same(c.Ints("sp_ids_no_dummy_prefix"), T.Sp.Encode(text, addDummyPrefix: false), label, "sp_ids_no_dummy_prefix");
        Same(c.Str("sp_decode"), T.Sp.Decode(c.Ints("sp_ids")), label, "sp_decode");
        Same(c.Str("sp_decode_tokens"), T.Sp.DecodeTokens(c.Strs("sp_pieces")), label, "sp_decode_tokens");
        Same(c.Ints("sp_ids_num_image_tokens_20000"), F.WithImageTokens20000.Sp.Encode(text), label, "sp_ids_num_image_tokens_20000");
        Same(c.Str("sp_decode_from_20000"), F.WithImageTokens20000.Sp.Decode(c.Ints("sp_ids_num_image_tokens_20000")), label, "sp_decode_from_20000");

        Same(c.Strs("hf_tokens"), T.Tokenize(text), label, "hf_tokens");
        Same(c.Ints("hf_ids_no_special"), T.Encode(text), label, "hf_ids_no_special");
        Same(c.Ints("hf_ids"), T.Encode(text, addSpecialTokens: true), label, "hf_ids");
        Same(c.Str("hf_decode"), T.Decode(c.Ints("hf_ids")), label, "hf_decode");
        Same(c.Str("hf_decode_skip_special"), T.Decode(c.Ints("hf_ids"), skipSpecialTokens: true), label, "hf_decode_skip_special");
        Same(c.Str("hf_decode_no_special"), T.Decode(c.Ints("hf_ids_no_special")), label, "hf_decode_no_special");
        if (c.TryGetProperty("hf_build_inputs_with_special_tokens", out var built))
            Same(FixtureInts(built), T.BuildInputsWithSpecialTokens(c.Ints("hf_ids_no_special")), label, "hf_build_inputs_with_special_tokens");
        if (c.TryGetProperty("sp_decode_round_trip", out var roundTrip))
            Assert.True(roundTrip.GetBoolean() == (T.Sp.Decode(T.Sp.Encode(text)) == text), $"{label}: sp_decode_round_trip");
        if (c.TryGetProperty("hf_decode_skip_special_round_trip", out var hfRoundTrip))
            Assert.True(hfRoundTrip.GetBoolean() == (T.Decode(T.Encode(text, addSpecialTokens: true), skipSpecialTokens: true) == text), $"{label}: hf_decode_skip_special_round_trip");
    }

    protected void CheckChatPrompt(int index)
    {
        var c = F.Cases.GetProperty("chat_prompts")[index];
        string label = $"chat_prompts[{index}] {(c.TryGetProperty("name", out var n) ? n.GetString() : "")}";
        string prompt = PromptTemplate.Get("chatglm").BuildPrompt(c.Str("query"), c.History());
        Same(c.Str("prompt"), prompt, label, "prompt");
        var ids = T.Encode(prompt, addSpecialTokens: true);
        Same(c.Ints("input_ids"), ids, label, "input_ids");
        Same(c.Strs("tokens"), T.ConvertIdsToTokens(ids), label, "tokens");
        var layout = T.BuildModelLayout(ids);
        Assert.True(c.GetProperty("context_length").GetInt32() == layout.ContextLength, $"{label}: context_length");
        Assert.True(c.GetProperty("mask_position").GetInt32() == layout.MaskPosition, $"{label}: mask_position");
        Same(Json.Flatten(c.GetProperty("position_ids")), layout.PositionIds.SelectMany(r => r).ToArray(), label, "position_ids");
        Same(Json.Flatten(c.GetProperty("attention_mask")), layout.AttentionMask.SelectMany(r => r).Select(b => b ? 1L : 0L).ToArray(), label, "attention_mask");
    }

    protected void CheckSftExample(int index)
    {
        var c = F.Cases.GetProperty("sft_examples")[index];
        string label = $"sft_examples[{index}] {(c.TryGetProperty("name", out var n) ? n.GetString() : "")}";
        string prompt = PromptTemplate.Get("chatglm-cet").BuildPrompt(c.Str("query"), c.History());
        Same(c.Str("prompt"), prompt, label, "prompt");
        var source = T.Encode(prompt);
        var target = T.Encode(c.Str("answer"));
        Same(c.Ints("source_ids"), source, label, "source_ids");
        Same(c.Ints("target_ids"), target, label, "target_ids");
        Same(c.Ints("input_ids"), T.BuildInputsWithSpecialTokens(source, target), label, "input_ids");
        // CET v1 labels: -100 over source + [gMASK] <sop>, then target + <eop>.
        int[] labels = [.. Enumerable.Repeat(-100, source.Length + 2), .. target, T.EosId];
        Same(c.Ints("labels"), labels, label, "labels");
        Same(c.Ints("eval_input_ids"), T.BuildInputsWithSpecialTokens(source), label, "eval_input_ids");
        Same(c.Ints("eval_labels"), T.BuildInputsWithSpecialTokens(target), label, "eval_labels");
        // The fixture's value is decode(target_ids, skip_special_tokens=True). It equals decode(eval_labels, ...) only
        // where [gMASK] is a CONTROL piece (the real model): the stand-in's [gMASK] is USER_DEFINED and, as its
        // strings[].hf_decode_skip_special show ("你好[gMASK]"), upstream decode keeps it there.
        Same(c.Str("decoded_labels_skip_special"), T.Decode(target, skipSpecialTokens: true), label, "decoded_labels_skip_special");
        if (T.Sp.TypeOf(T.GMaskId) == SentencePieceType.Control)
            Same(c.Str("decoded_labels_skip_special"), T.Decode(c.Ints("eval_labels"), skipSpecialTokens: true), label, "decode(eval_labels)");
    }

    protected void CheckPaddedBatch(string key)
    {
        var c = F.Cases.GetProperty(key);
        var texts = c.Strs("texts");
        var batch = T.EncodeBatch(texts);
        Same(Json.Flatten(c.GetProperty("input_ids")), batch.InputIds.SelectMany(r => r).ToArray(), key, "input_ids");
        Same(Json.Flatten(c.GetProperty("position_ids")), batch.PositionIds.SelectMany(r => r).SelectMany(r => r).ToArray(), key, "position_ids");
        Same(Json.Flatten(c.GetProperty("attention_mask")), batch.AttentionMask.SelectMany(r => r).SelectMany(r => r).Select(b => b ? 1L : 0L).ToArray(), key, "attention_mask");
        var decoded = batch.InputIds.Select(row => T.Decode(row.Select(x => (int)x), skipSpecialTokens: true)).ToArray();
        Same(c.Strs("batch_decode_skip_special"), decoded, key, "batch_decode_skip_special");
    }

    protected void CheckProcessResponse()
    {
        foreach (var c in F.Cases.GetProperty("process_response").EnumerateArray())
            Same(c.Str("processed"), ChatGlmTokenizer.ProcessResponse(c.Str("text")), c.Str("text"), "process_response");
    }

    protected void CheckSpecialIds()
    {
        var hf = F.Cases.GetProperty("hf_tokenizer");
        Assert.Equal(hf.GetProperty("vocab_size").GetInt32(), T.VocabSize);
        Assert.Equal(hf.GetProperty("bos_token_id").GetInt32(), T.BosId);
        Assert.Equal(hf.GetProperty("eos_token_id").GetInt32(), T.EosId);
        Assert.Equal(hf.GetProperty("mask_token_id").GetInt32(), T.MaskId);
        Assert.Equal(hf.GetProperty("gmask_token_id").GetInt32(), T.GMaskId);
        Assert.Equal(hf.GetProperty("pad_token_id").GetInt32(), T.PadId);
        Assert.Equal(hf.GetProperty("unk_token_id").GetInt32(), T.UnkId);
        Assert.Equal(hf.GetProperty("end_token_id").GetInt32(), T.EndId);
        Assert.Equal(hf.Strs("all_special_tokens"), T.AllSpecialTokens);
        Assert.Equal(hf.Ints("all_special_ids"), T.AllSpecialIds);
        Assert.Equal(hf.GetProperty("num_image_tokens").GetInt32(), T.Sp.NumImageTokens);
        foreach (var p in F.Cases.GetProperty("model").GetProperty("piece_ids").EnumerateObject())
            Assert.True(p.Value.GetInt32() == T.Sp.TokenToId(p.Name), $"piece id of {p.Name}");
    }

    private static int[] FixtureInts(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    protected static void Same<T>(T[] expected, T[] actual, string label, string field)
    {
        if (expected.SequenceEqual(actual)) return;
        int first = Enumerable.Range(0, Math.Min(expected.Length, actual.Length)).FirstOrDefault(i => !Equals(expected[i], actual[i]), Math.Min(expected.Length, actual.Length));
        Assert.Fail($"{label}: {field} differs at index {first} (lengths {expected.Length} vs {actual.Length})\n expected: {string.Join(" ", expected.Take(first + 8))}\n actual:   {string.Join(" ", actual.Take(first + 8))}");
    }

    protected static void Same(string expected, string actual, string label, string field)
    {
        if (expected != actual)
            Assert.Fail($"{label}: {field}\n expected: {JsonSerializer.Serialize(expected)}\n actual:   {JsonSerializer.Serialize(actual)}");
    }

    protected static string PiecesSha256(SentencePieceModel model) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", model.Pieces.Select(p => p.Piece)))));
}

public sealed class RealTokenizerParityTests(RealTokenizerFixture fixture) : TokenizerParityTests(fixture), IClassFixture<RealTokenizerFixture>
{
    public static TheoryData<int> Strings => TokenizerFixture.Indices("tokenizer", "strings");
    public static TheoryData<int> ChatPrompts => TokenizerFixture.Indices("tokenizer", "chat_prompts");
    public static TheoryData<int> SftExamples => TokenizerFixture.Indices("tokenizer", "sft_examples");

    [Theory, MemberData(nameof(Strings))] public void String_matches_upstream(int index) => CheckString(index);
    [Theory, MemberData(nameof(ChatPrompts))] public void Chat_prompt_matches_upstream(int index) => CheckChatPrompt(index);
    [Theory, MemberData(nameof(SftExamples))] public void Sft_example_matches_upstream(int index) => CheckSftExample(index);
    [Fact] public void Padded_batch_matches_upstream() => CheckPaddedBatch("padded_batch");
    [Fact] public void Padded_ner_batch_matches_upstream() => CheckPaddedBatch("padded_batch_ner");
    [Fact] public void Process_response_matches_upstream() => CheckProcessResponse();
    [Fact] public void Special_ids_match_upstream() => CheckSpecialIds();

    [Fact]
    public void Model_file_facts_match()
    {
        var m = F.Cases.GetProperty("model");
        var model = F.Tokenizer.Sp.Model;
        Assert.Equal(m.GetProperty("piece_count").GetInt32(), model.Pieces.Count);
        Assert.Equal(m.Str("pieces_sha256"), PiecesSha256(model));
        Assert.Equal(m.Str("normalization_rule_name"), model.NormalizerName);
        Assert.Equal(m.GetProperty("normalizer_spec").GetProperty("precompiled_charsmap").GetProperty("bytes").GetInt32(), model.PrecompiledCharsmap.Length);
        Assert.Equal(m.GetProperty("split_digits").GetBoolean(), model.SplitDigits);
        Assert.Equal(m.GetProperty("byte_fallback").GetBoolean(), model.ByteFallback);
        Assert.Equal(m.GetProperty("add_dummy_prefix").GetBoolean(), model.AddDummyPrefix);
        Assert.Equal(m.GetProperty("remove_extra_whitespaces").GetBoolean(), model.RemoveExtraWhitespaces);
        Assert.Equal(m.GetProperty("trainer_spec").GetProperty("vocab_size").GetInt32(), model.TrainerVocabSize);
        Assert.Equal(m.GetProperty("trainer_spec").GetProperty("pad_id").GetInt32(), model.PadId);
        foreach (var entry in m.GetProperty("non_normal_pieces").EnumerateArray())
        {
            var p = model.Pieces[entry[0].GetInt32()];
            Assert.Equal(entry[1].GetString(), p.Piece);
            Assert.Equal(entry[2].GetString(), TypeName(p.Type));
        }
        foreach (var entry in m.GetProperty("normal_piece_samples").EnumerateArray())
        {
            var p = model.Pieces[entry[0].GetInt32()];
            Assert.Equal(entry[1].GetString(), p.Piece);
            Assert.Equal((float)entry[2].GetDouble(), p.Score);
            Assert.Equal(SentencePieceType.Normal, p.Type);
        }
        foreach (var count in m.GetProperty("piece_type_counts").EnumerateObject())
            Assert.Equal(count.Value.GetInt32(), model.Pieces.Count(p => TypeName(p.Type) == count.Name));
    }

    internal static string TypeName(SentencePieceType type) => type switch
    {
        SentencePieceType.UserDefined => "USER_DEFINED",
        _ => type.ToString().ToUpperInvariant(),
    };
}

public sealed class SmallTokenizerParityTests(SmallTokenizerFixture fixture) : TokenizerParityTests(fixture), IClassFixture<SmallTokenizerFixture>
{
    public static TheoryData<int> Strings => TokenizerFixture.Indices("tokenizer-small", "strings");
    public static TheoryData<int> ChatPrompts => TokenizerFixture.Indices("tokenizer-small", "chat_prompts");
    public static TheoryData<int> SftExamples => TokenizerFixture.Indices("tokenizer-small", "sft_examples");

    [Theory, MemberData(nameof(Strings))] public void String_matches_upstream(int index) => CheckString(index);
    [Theory, MemberData(nameof(ChatPrompts))] public void Chat_prompt_matches_upstream(int index) => CheckChatPrompt(index);
    [Theory, MemberData(nameof(SftExamples))] public void Sft_example_matches_upstream(int index) => CheckSftExample(index);
    [Fact] public void Padded_batch_matches_upstream() => CheckPaddedBatch("padded_batch");
    [Fact] public void Process_response_matches_upstream() => CheckProcessResponse();
    [Fact] public void Special_ids_match_upstream() => CheckSpecialIds();

    [Fact]
    public void Every_piece_and_type_matches()
    {
        var all = F.Cases.GetProperty("model").GetProperty("all_pieces");
        var model = F.Tokenizer.Sp.Model;
        Assert.Equal(all.GetArrayLength(), model.Pieces.Count);
        int i = 0;
        foreach (var entry in all.EnumerateArray())
        {
            Assert.Equal(entry[0].GetString(), model.Pieces[i].Piece);
            Assert.Equal(entry[1].GetString(), RealTokenizerParityTests.TypeName(model.Pieces[i].Type));
            i++;
        }
    }
}
