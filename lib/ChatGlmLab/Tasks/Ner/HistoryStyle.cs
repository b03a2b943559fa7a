namespace ChatGlmLab.Tasks.Ner;

/// <summary>How the 3-turn builder fills each record's history.</summary>
public enum HistoryStyle
{
    /// <summary>
    /// As the article's records: earlier questions are instruction + "文本为：" + text (not the query
    /// the earlier record itself used), and the history is padded with ("", "") to a fixed length
    /// (2), so turn 1 carries [["",""],["",""]]. The toolkit renders the padding as empty rounds.
    /// </summary>
    Article,

    /// <summary>Earlier turns exactly as they were asked (their query) and answered; no padding.</summary>
    Clean,
}
