namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// The seed's 4.2 inference command (<c>finetune.py --do_predict --model_name_or_path DIR --checkpoint_dir OUT
/// --dataset ... --predict_with_generate --max_eval_samples N</c>): generation over the whole dataset,
/// generated_predictions.jsonl and predict_results.json in output_dir. Same arguments as train.
/// </summary>
public static class PredictCommand
{
    public static int Run(string[] args, CliContext context) => TrainCommand.Execute("predict", args, context);
}
