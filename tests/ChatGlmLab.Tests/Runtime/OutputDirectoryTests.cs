using ChatGlmLab.Runtime;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Runtime;

/// <summary>How <see cref="OutputDirectory"/> decides that two spellings name one folder, and its refusal texts.</summary>
public sealed class OutputDirectoryTests : IDisposable
{
    private readonly TempFiles _tmp = new();
    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Trailing_separators_dots_and_symlinked_ancestors_resolve_to_one_real_path()
    {
        string real = Directory.CreateDirectory(_tmp.PathOf(Path.Combine("a", "b"))).FullName;
        string link = _tmp.PathOf("link-to-a");
        Directory.CreateSymbolicLink(link, _tmp.PathOf("a"));

        Assert.True(OutputDirectory.SamePath(real, real + Path.DirectorySeparatorChar));
        Assert.True(OutputDirectory.SamePath(real, Path.Combine(real, "..", "b")));
        // The link is an ancestor, and the last part (c) does not exist yet: still the same place.
        Assert.True(OutputDirectory.SamePath(Path.Combine(real, "c"), Path.Combine(link, "b", "c")));
        Assert.Equal(real, OutputDirectory.RealPath(Path.Combine(link, "b") + Path.DirectorySeparatorChar));
        Assert.False(OutputDirectory.SamePath(real, _tmp.PathOf("a")));
    }

    [Fact]
    public void A_folder_holds_itself_and_what_is_under_it_but_not_a_sibling_that_shares_its_name_as_a_prefix()
    {
        string outer = Directory.CreateDirectory(_tmp.PathOf("out")).FullName;
        string link = _tmp.PathOf("link-to-out");
        Directory.CreateSymbolicLink(link, outer);

        Assert.True(OutputDirectory.SameOrInside(outer, outer + Path.DirectorySeparatorChar));
        Assert.True(OutputDirectory.SameOrInside(outer, Path.Combine(link, "data", "train.json")));   // inside, through a link
        Assert.True(OutputDirectory.SameOrInside(link, Path.Combine(outer, "data")));
        Assert.False(OutputDirectory.SameOrInside(outer, _tmp.PathOf("outside")));                      // "out" is a prefix of "outside"
        Assert.False(OutputDirectory.SameOrInside(Path.Combine(outer, "data"), outer));                 // the folder above is not inside
        Assert.True(OutputDirectory.SameOrInside(Path.GetPathRoot(outer)!, outer));                     // a root keeps its separator
    }

    [Fact]
    public void Case_is_ignored_only_where_the_file_system_ignores_it()
    {
        string lower = Directory.CreateDirectory(_tmp.PathOf("casing")).FullName;
        bool fileSystemIgnoresCase = Directory.Exists(_tmp.PathOf("CASING"));
        Assert.Equal(fileSystemIgnoresCase, OutputDirectory.SamePath(lower, _tmp.PathOf("CASING")));
    }

    [Fact]
    public void A_non_empty_directory_is_refused_unless_overwriting_or_only_other_files_are_there()
    {
        string dir = Directory.CreateDirectory(_tmp.PathOf("out")).FullName;
        Assert.Null(OutputDirectory.RefusalToWriteInto(dir, overwrite: false));
        File.WriteAllText(Path.Combine(dir, "kept.jsonl"), "");
        Assert.Equal($"--output_dir {dir} already exists and is not empty; set --overwrite_output_dir to write into it, or --resume_from_checkpoint to continue",
            OutputDirectory.RefusalToWriteInto(dir, overwrite: false, alternative: "--resume_from_checkpoint to continue"));
        Assert.Null(OutputDirectory.RefusalToWriteInto(dir, overwrite: true));
        Assert.Null(OutputDirectory.RefusalToWriteInto(dir, overwrite: false, filesWritten: ["new.jsonl"]));
        Assert.Contains("already holds kept.jsonl", OutputDirectory.RefusalToWriteInto(dir, overwrite: false, filesWritten: ["kept.jsonl", "new.jsonl"]));
    }
}
