using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Experiments;

/// <summary>
/// How much of each turn of the 3-turn records fine-tuning sees, as expected copies per record: 2 trains on every
/// turn-1 record twice, 0.25 on a quarter of the turn-3 records (drawn record by record). The seed's files give one
/// turn-1 record per sentence, one turn-2 record per type and one turn-3 record per mention, so taken as they are the
/// position questions are half the records and two thirds of the answer tokens, and the type questions a fourteenth.
/// </summary>
/// <param name="Types">Turn 1: which types the sentence has (one record per sentence; its answer names a type per mention).</param>
/// <param name="Mentions">Turn 2: the mentions of one type.</param>
/// <param name="Positions">Turn 3: where one mention is (counting characters).</param>
public sealed record TurnMix(double Types, double Mentions, double Positions)
{
    // Checked when set (the constructor and `with`), so a bad weight fails where it is written, not when records are drawn.
    public double Types { get; init => field = Checked(value, nameof(Types)); } = Checked(Types, nameof(Types));
    public double Mentions { get; init => field = Checked(value, nameof(Mentions)); } = Checked(Mentions, nameof(Mentions));
    public double Positions { get; init => field = Checked(value, nameof(Positions)); } = Checked(Positions, nameof(Positions));

    private static double Checked(double weight, string turn) => double.IsFinite(weight) && weight >= 0 ? weight
        : throw new ArgumentException($"TurnMix.{turn} = {weight}: a turn's weight is the expected copies of each of its records, 0 or more");

    /// <summary>Copies of one record of <paramref name="turn"/>: the weight's whole part, plus one with the probability of its fraction.</summary>
    public int Copies(NerTurnKind turn, Random random)
    {
        double weight = turn switch
        {
            NerTurnKind.Types => Types,
            NerTurnKind.Mentions => Mentions,
            NerTurnKind.Positions => Positions,
            _ => throw new ArgumentException($"{turn} is not a 3-turn record"),
        };
        int whole = (int)Math.Floor(weight);
        double fraction = weight - whole;
        return whole + (fraction > 0 && random.NextDouble() < fraction ? 1 : 0);
    }
}
