using ChatGlmLab.Generation;
using static TorchSharp.torch;
using ChatGlmLab.Tokenization;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// The toolkit's infer.py / cli_demo: a multi-turn chat on stdin/stdout with streamed replies. Each line
/// is a message; <c>clear</c> resets the history, <c>history</c> lists it, <c>exit</c> (or <c>stop</c>) quits.
/// Generation defaults are chat()'s (sampling, top_p 0.7, temperature 0.95, max_length 2048). Computes in bfloat16 with a
/// quantized base (as 16-bit weights), float32 otherwise; --bf16 true|false overrides.
/// </summary>
public static class ChatCommand
{
    public static ArgumentSpec Spec() =>
        new ArgumentSpec("chat", typeof(ModelArguments), typeof(GenerationArguments))
            // Accepted for the toolkit's command lines: checkpoints are recognised by their files.
            .With("finetuning_type", typeof(string), "accepted for the toolkit's command lines; checkpoints are recognised by their files")
            .With("prompt_template", typeof(string), $"how a turn becomes a prompt: {string.Join(" or ", PromptTemplate.Names)}", PromptTemplate.ChatGlmName)
            .With("seed", typeof(long), "seed for sampling (default: a different reply each run)")
            .With("bf16", typeof(bool), "compute in bfloat16 (default: true with --quantization_bit, else false)");

    public static int Run(string[] args, CliContext context)
    {
        var given = Spec().Parse(args);
        var modelArgs = given.Bind<ModelArguments>();
        ModelSetup.CheckModelArguments(modelArgs);
        string templateName = given.Get("prompt_template")!;
        if (!PromptTemplate.Names.Contains(templateName))
            throw new CliUsageException($"--prompt_template '{templateName}' is not one of {string.Join(", ", PromptTemplate.Names)}");
        long? seed = given.Get("seed") is { } s ? (long)ArgumentSpec.Convert("seed", s, typeof(long))! : null;
        var options = given.Bind<GenerationArguments>().Apply(ChatSession.ChatDefaults, seed);
        var tokenizer = ModelSetup.LoadTokenizer(modelArgs.ModelNameOrPath);
        // bfloat16 (16-bit embeddings and lm_head): the default with a quantized base, where float32 tables would hold more
        // memory than the int4 weights themselves; --bf16 true|false decides otherwise. On a CPU without bf16 instructions
        // the matmuls still compute in float32 (Runtime/MatmulPrecision).
        bool bf16 = given.GetBoolOrNull("bf16") ?? modelArgs.QuantizationBit != null;
        using var model = ChatGlm.LoadPretrained(modelArgs with { DType = bf16 ? ScalarType.BFloat16 : ScalarType.Float32 }).Model;
        var session = new ChatSession(model, tokenizer) { Template = PromptTemplate.Get(templateName) };

        var output = context.Stdout;
        output.WriteLine($"chatglm-lab chat: {modelArgs.ModelNameOrPath}" + (modelArgs.CheckpointDir is { } c ? $" + {c}" : "") + $", {options.Describe()}");
        output.WriteLine("Type a message and press Enter; 'clear' resets the history, 'history' lists it, 'exit' quits. Replies are printed here (stdout).");
        IReadOnlyList<(string Query, string Response)> history = [];
        int newTokens = 0;
        double seconds = 0;
        while (true)
        {
            output.Write("\nUser: ");
            output.Flush();
            string? line = context.Stdin.ReadLine();
            if (line == null) break;
            string query = line.Trim();
            if (query.Length == 0) continue;
            if (query is "exit" or "stop") break;
            if (query == "clear")
            {
                history = [];
                output.WriteLine("History cleared.");
                continue;
            }
            if (query == "history")
            {
                output.WriteLine($"History: {history.Count} turns");
                for (int i = 0; i < history.Count; i++) output.WriteLine($"  [{i + 1}] {history[i].Query} → {history[i].Response}");
                continue;
            }

            string printed = "";
            void Stream(string partial)
            {
                // A character whose bytes are not all generated yet decodes as U+FFFD: hold it back until it is complete.
                partial = partial.TrimEnd('\uFFFD');
                // process_response can rewrite earlier characters; print only what extends what is already shown.
                if (!partial.StartsWith(printed, StringComparison.Ordinal)) return;
                output.Write(partial[printed.Length..]);
                output.Flush();
                printed = partial;
            }
            (string Response, IReadOnlyList<(string Query, string Response)> History) turn;
            output.Write("ChatGLM: ");
            try { turn = session.Chat(query, history, options, Stream); }
            catch (PromptTooLongException tooLong)
            {
                // Not the end of the session: the user can clear the history or send something shorter.
                output.WriteLine();
                context.Stderr.WriteLine($"error: {tooLong.Describe("--")}, or type 'clear' to drop the history");
                continue;
            }
            var (response, extended) = turn;
            if (response.StartsWith(printed, StringComparison.Ordinal)) output.Write(response[printed.Length..]);
            else output.Write($"\n(final) {response}");
            output.WriteLine();
            history = extended;
            // Speed on stderr, so stdout stays the transcript.
            context.Stderr.WriteLine($"({session.LastTurn})");
            newTokens += session.LastTurn!.NewTokens;
            seconds += session.LastTurn.Seconds;
        }
        output.WriteLine();
        output.WriteLine($"Bye ({history.Count} turns in the history).");
        if (seconds > 0) output.WriteLine($"generated {newTokens} tokens in {seconds:F1} s ({newTokens / seconds:F2} tokens/s, prefill included)");
        return CliApp.Ok;
    }
}
