namespace ChatGlmLab.Experiments;

/// <summary>
/// The sizes of <see cref="PretrainingTasks"/>' text skills, part of <see cref="BaseModelRecipe"/> (so they are in the
/// base model's cache key). Short spans first: the small model learned to copy from 2–12 character strings and 1–5
/// character cue answers; long strings alone (20 characters) it only memorised in 2,000 steps.
/// </summary>
public sealed record PretrainingCurriculum
{
    /// <summary>Scrambled strings to repeat, per sentence.</summary>
    public int ScrambledCopies { get; init; } = 2;
    public int MinScrambledLength { get; init; } = 2;
    public int MaxScrambledLength { get; init; } = 12;
    /// <summary>"The characters after a cue" questions, per sentence (a cue is 2 characters).</summary>
    public int CueTasks { get; init; } = 2;
    public int MaxCueAnswerLength { get; init; } = 5;
    /// <summary>Longest piece whose position ("s-e") is asked.</summary>
    public int MaxLocatedLength { get; init; } = 5;
    /// <summary>Three-round conversations per sentence (its words; those holding a quoted character; where one is), each two records.</summary>
    public int Conversations { get; init; } = 1;
}
