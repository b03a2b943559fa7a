namespace ChatGlmLab.Datasets;

/// <summary>The records a reader kept plus its report on the file.</summary>
public sealed record LoadResult<T>(IReadOnlyList<T> Items, LoadReport Report);
