namespace ChatGlmLab.ModelInputs;

/// <summary>Which of the preprocessor's two layouts a set of examples has (part of the cache key).</summary>
public enum SftExampleKind
{
    /// <summary><see cref="SupervisedPreprocessor.ForTraining"/>: prompt + answer, labels -100 over the prompt (also used for eval loss).</summary>
    Training,
    /// <summary><see cref="SupervisedPreprocessor.ForEvaluation"/>: prompt only, labels = the answer (predict_with_generate).</summary>
    Evaluation,
}
