namespace ChatGlmLab.Training;

/// <summary>str(datetime.timedelta(seconds=int(s))) — how the toolkit writes elapsed/remaining time ("0:01:05", "1 day, 2:03:04").</summary>
public static class PythonTimedelta
{
    public static string Format(double seconds)
    {
        long total = (long)seconds;   // int() truncates toward zero
        long days = total / 86400, rest = total % 86400;
        string clock = $"{rest / 3600}:{rest % 3600 / 60:00}:{rest % 60:00}";
        return days == 0 ? clock : $"{days} day{(days == 1 ? "" : "s")}, {clock}";
    }
}
