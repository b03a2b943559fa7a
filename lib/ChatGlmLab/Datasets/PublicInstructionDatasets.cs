namespace ChatGlmLab.Datasets;

/// <summary>
/// Registry entries for the public instruction datasets the seed lists, with where to get them.
/// They are not bundled: a user downloads the file to the dataset dir under <c>file_name</c>. SHA-1s are
/// the ones ChatGLM-Efficient-Tuning's registry publishes for the files it shipped; entries whose
/// files come from the Hugging Face Hub have none (the hub's files change between revisions).
/// Record formats: Alpaca-style {instruction, input, output} (JSON array or JSON Lines) unless the
/// columns say otherwise (Firefly {kind, input, target}; WebQA {input, output}).
/// </summary>
public static class PublicInstructionDatasets
{
    private static readonly InstructionColumns Alpaca = new("instruction", "input", "output", "");

    public static readonly IReadOnlyList<DatasetEntry> Entries =
    [
        new("alpaca_en") { HfHubUrl = "tatsu-lab/alpaca", FileName = "alpaca_data_en_52k.json", SourceUrl = "https://github.com/tatsu-lab/stanford_alpaca", Description = "Stanford Alpaca (English, 52k)", Columns = Alpaca },
        new("alpaca_zh") { FileName = "alpaca_data_zh_51k.json", FileSha1 = "e655af3db557a4197f7b0cf92e1986b08fae6311", SourceUrl = "https://github.com/ymcui/Chinese-LLaMA-Alpaca", Description = "Stanford Alpaca (Chinese, 51k)", Columns = Alpaca },
        new("alpaca_gpt4_en") { FileName = "alpaca_gpt4_data_en.json", FileSha1 = "647f4ad447bd993e4b6b6223d1be15208bab694a", SourceUrl = "https://github.com/Instruction-Tuning-with-GPT-4/GPT-4-LLM", Description = "GPT-4 generated Alpaca data (English)", Columns = Alpaca },
        new("alpaca_gpt4_zh") { FileName = "alpaca_gpt4_data_zh.json", FileSha1 = "3eaa3bda364ccdd59925d7448a698256c31ef845", SourceUrl = "https://github.com/Instruction-Tuning-with-GPT-4/GPT-4-LLM", Description = "GPT-4 generated Alpaca data (Chinese)", Columns = Alpaca },
        new("belle_0.5m") { HfHubUrl = "BelleGroup/train_0.5M_CN", FileName = "belle_0.5m.json", Description = "BELLE 0.5M", Columns = Alpaca },
        new("belle_1m") { HfHubUrl = "BelleGroup/train_1M_CN", FileName = "belle_1m.json", Description = "BELLE 1M", Columns = Alpaca },
        new("belle_2m") { HfHubUrl = "BelleGroup/train_2M_CN", FileName = "belle_2m.json", Description = "BELLE 2M", Columns = Alpaca },
        new("belle_dialog") { HfHubUrl = "BelleGroup/generated_chat_0.4M", FileName = "belle_dialog.json", Description = "BELLE Dialogue 0.4M", Columns = Alpaca },
        new("belle_math") { HfHubUrl = "BelleGroup/school_math_0.25M", FileName = "belle_math.json", Description = "BELLE School Math 0.25M", Columns = Alpaca },
        new("belle_multiturn") { HfHubUrl = "BelleGroup/multiturn_chat_0.8M", FileName = "belle_multiturn.json", Description = "BELLE Multiturn Chat 0.8M (the whole dialogue is in 'instruction')", Columns = Alpaca },
        new("guanaco") { HfHubUrl = "JosephusCheung/GuanacoDataset", FileName = "guanaco.json", Description = "Guanaco Dataset", Columns = Alpaca },
        new("firefly") { HfHubUrl = "YeungNLP/firefly-train-1.1M", FileName = "firefly.jsonl", Description = "Firefly 1.1M ({kind, input, target})", Columns = new("input", "", "target", "") },
        new("codealpaca") { HfHubUrl = "sahil2801/CodeAlpaca-20k", FileName = "code_alpaca_20k.json", Description = "CodeAlpaca 20k", Columns = Alpaca },
        new("alpaca_cot") { HfHubUrl = "QingyiSi/Alpaca-CoT", FileName = "alpaca_cot.json", Description = "Alpaca CoT (one of its JSON files)", Columns = Alpaca },
        new("webqa") { HfHubUrl = "suolyer/webqa", FileName = "webqa.json", Description = "Web QA (Chinese, {input, output})", Columns = new("input", "", "output", "") },
    ];
}
