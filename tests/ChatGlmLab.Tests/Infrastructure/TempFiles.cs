namespace ChatGlmLab.Tests.Infrastructure;

/// <summary>A scratch folder per test class, deleted afterwards.</summary>
public sealed class TempFiles : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("chatglmlab-data-").FullName;

    public string Write(string name, string content)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, content, new System.Text.UTF8Encoding(false));
        return path;
    }

    public string PathOf(string name) => Path.Combine(Dir, name);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
