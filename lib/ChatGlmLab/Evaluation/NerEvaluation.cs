using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Generation.Constraints;
using ChatGlmLab.Metrics;
using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Evaluation;

/// <summary>Entity-level scores of the cascade, raw and with grounded answers.</summary>
public sealed record NerScores(EntityEvaluation Raw, EntityEvaluation Grounded, long GeneratedTokens, int Questions);

/// <summary>
/// Entity P/R/F1 from the 3-turn format, two ways:
/// gold history — every record of the dev file is answered with the gold earlier turns in its prompt
/// (what predict_with_generate on the dataset file measures; comparable to the seed's table);
/// cascade — turn-1 prediction → turn-2 questions for the predicted types → turn-3 questions for the
/// predicted mentions (the real NER quality). The cascade runs twice: raw, and grounded — types decoded
/// under a constraint to the label set, mentions to substrings of the sentence (constrained decoding), and
/// positions repaired to the mention's occurrences when the answered span does not hold it.
/// </summary>
public sealed class NerEvaluation(NerInstructionBuilder builder, NerAnswerParser parser)
{
    private readonly Grounding _grounding = new(builder, parser);

    public static IReadOnlyList<TypedSpan> Gold(NerExample e) => EntityScoring.Spans(e.Entities);

    /// <summary>
    /// Scores predictions made for <paramref name="records"/> (built from <paramref name="examples"/> by the builder, in order).
    /// Spans come from the turn-3 answers, each asked about a gold mention, so this measures position answering given
    /// gold context; grounding is not applied here (it would copy the gold mention's position).
    /// </summary>
    public EntityEvaluation GoldHistory(IReadOnlyList<NerExample> examples, IReadOnlyList<NerInstructionRecord> records, IReadOnlyList<string> predictions)
    {
        var scorer = new EntityScorer();
        foreach (var sentence in records.Select((r, i) => (Record: r, Prediction: predictions[i])).GroupBy(x => x.Record.SentenceIndex))
        {
            var example = examples[sentence.Key];
            var answers = sentence.Select(x => NerTurnAnswer.From(x.Record, x.Prediction)).ToList();
            EntityScoring.AddSentence(scorer, example.Entities, parser.ParseThreeTurn(example.Text, answers));
        }
        return scorer.Result();
    }

    /// <summary>Runs the cascade with <paramref name="predictor"/> (batched across sentences, turn by turn).</summary>
    public NerScores Cascade(IReadOnlyList<NerExample> examples, Predictor predictor)
    {
        long before = predictor.GeneratedTokens;
        var raw = Run(examples, predictor, grounded: false, out int rawQuestions);
        var grounded = Run(examples, predictor, grounded: true, out int groundedQuestions);
        return new NerScores(raw, grounded, predictor.GeneratedTokens - before, rawQuestions + groundedQuestions);
    }

    private EntityEvaluation Run(IReadOnlyList<NerExample> examples, Predictor predictor, bool grounded, out int questions)
    {
        var texts = examples.Select(e => e.Text).ToList();
        // Grounded: every answer of a turn decoded under its own constraint (null = raw decoding).
        IReadOnlyList<ITokenConstraint?>? Constrained<T>(IEnumerable<T> asked, Func<T, IItemRule> rule, bool allowEmpty = false)
        {
            if (!grounded) return null;
            var tokenTexts = TokenTexts.For(predictor.Tokenizer);
            char separator = GroundingSeparator();
            return asked.Select(q => (ITokenConstraint?)new DelimitedListConstraint(tokenTexts, rule(q), separator, allowEmpty)).ToList();
        }

        var typeRule = new ChoiceItems(builder.Options.Labels.Append(builder.Options.NoEntityAnswer));
        var typeAnswers = predictor.Predict(texts.Select(t => builder.TypeTurn(t)).ToList(),
            constraints: Constrained(texts, _ => typeRule, allowEmpty: builder.Options.NoEntityAnswer.Length == 0));
        questions = texts.Count;

        var typeQuestions = new List<(int Sentence, string Type)>();
        for (int s = 0; s < texts.Count; s++)
        {
            var types = grounded ? _grounding.Types(typeAnswers[s]) : parser.ParseTypes(typeAnswers[s]).Types.Distinct().ToList();
            typeQuestions.AddRange(types.Select(t => (s, t)));
        }
        var mentionAnswers = predictor.Predict(typeQuestions.Select(q => builder.MentionTurn(texts[q.Sentence], typeAnswers[q.Sentence], q.Type)).ToList(),
            constraints: Constrained(typeQuestions, q => new SubstringItems(texts[q.Sentence])));
        questions += typeQuestions.Count;

        var positionQuestions = new List<(int Sentence, string Type, string MentionAnswer, string Mention)>();
        for (int i = 0; i < typeQuestions.Count; i++)
        {
            var (s, type) = typeQuestions[i];
            var mentions = grounded ? _grounding.Mentions(texts[s], mentionAnswers[i]) : parser.ParseMentions(mentionAnswers[i]).Where(m => m.Length > 0).Distinct().ToList();
            positionQuestions.AddRange(mentions.Select(m => (s, type, mentionAnswers[i], m)));
        }
        var positionAnswers = predictor.Predict(positionQuestions.Select(q =>
            builder.PositionTurn(texts[q.Sentence], typeAnswers[q.Sentence], q.Type, q.MentionAnswer, q.Mention)).ToList());
        questions += positionQuestions.Count;

        var perSentence = texts.Select(_ => new List<NerTurnAnswer>()).ToList();
        for (int s = 0; s < texts.Count; s++) perSentence[s].Add(new NerTurnAnswer(NerTurnKind.Types, typeAnswers[s]));
        for (int i = 0; i < positionQuestions.Count; i++)
        {
            var (s, type, _, mention) = positionQuestions[i];
            string answer = grounded ? _grounding.Positions(texts[s], type, mention, positionAnswers[i]) : positionAnswers[i];
            perSentence[s].Add(new NerTurnAnswer(NerTurnKind.Positions, answer, type, mention));
        }
        var scorer = new EntityScorer();
        for (int s = 0; s < texts.Count; s++) EntityScoring.AddSentence(scorer, examples[s].Entities, parser.ParseThreeTurn(texts[s], perSentence[s]));
        return scorer.Result();
    }

    private char GroundingSeparator() => builder.Options.Separator.Length == 1 ? builder.Options.Separator[0]
        : throw new NotSupportedException($"grounded decoding needs a one-character separator, not '{builder.Options.Separator}'");
}
