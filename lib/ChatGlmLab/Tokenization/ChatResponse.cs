using System.Text.RegularExpressions;

namespace ChatGlmLab.Tokenization;

/// <summary>
/// ChatGLM-6B <c>process_response</c>, applied by <c>chat()</c> to the decoded reply: strip, "[[训练时间]]" →
/// "2023年", and ASCII <c>, ! : ; ?</c> directly before or after a CJK ideograph (U+4E00..U+9FFF) → full width.
/// The tokenizer folds full-width punctuation to ASCII on the way in; this puts it back.
/// </summary>
public static class ChatResponse
{
    private static readonly (Regex Before, Regex After, string FullWidth)[] Punctuation =
    [
        (new Regex("([\u4e00-\u9fff]),", RegexOptions.CultureInvariant), new Regex(",([\u4e00-\u9fff])", RegexOptions.CultureInvariant), "，"),
        (new Regex("([\u4e00-\u9fff])!", RegexOptions.CultureInvariant), new Regex("!([\u4e00-\u9fff])", RegexOptions.CultureInvariant), "！"),
        (new Regex("([\u4e00-\u9fff]):", RegexOptions.CultureInvariant), new Regex(":([\u4e00-\u9fff])", RegexOptions.CultureInvariant), "："),
        (new Regex("([\u4e00-\u9fff]);", RegexOptions.CultureInvariant), new Regex(";([\u4e00-\u9fff])", RegexOptions.CultureInvariant), "；"),
        (new Regex("([\u4e00-\u9fff])\\?", RegexOptions.CultureInvariant), new Regex("\\?([\u4e00-\u9fff])", RegexOptions.CultureInvariant), "？"),
    ];

    public static string Process(string response)
    {
        response = PythonText.Strip(response);
        response = response.Replace("[[训练时间]]", "2023年");
        foreach (var (before, after, fullWidth) in Punctuation)
        {
            response = before.Replace(response, "${1}" + fullWidth);
            response = after.Replace(response, fullWidth + "${1}");
        }
        return response;
    }
}
