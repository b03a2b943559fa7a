namespace ChatGlmLab.Datasets.Synthetic;

/// <summary>
/// Picks the word for a slot. Train only sees "seen" entries; dev takes a held-out entry with the
/// given probability (when the list has any), so some dev mentions never occur in train.
/// </summary>
public sealed class SlotFiller
{
    private readonly Dictionary<string, (IReadOnlyList<string> Seen, IReadOnlyList<string> HeldOut)> _lists = new(StringComparer.Ordinal);

    public SlotFiller()
    {
        Add("安装动作", MaintenanceLexicon.InstallVerbs);
        Add("安装动作:tighten", MaintenanceLexicon.TightenVerbs);
        Add("拆卸动作", MaintenanceLexicon.RemoveVerbs);
        Add("一般动作:use", MaintenanceLexicon.UseVerbs);
        Add("一般动作:check", MaintenanceLexicon.CheckVerbs);
        Add("一般动作:care", MaintenanceLexicon.CareVerbs);
        Add("一般动作:measure", MaintenanceLexicon.MeasureVerbs);
        Add("一般工具", MaintenanceLexicon.Tools);
        foreach (var t in new[] { "操作部件1", "操作部件2", "目标部件1", "目标部件2" })
            Add(t, MaintenanceLexicon.Parts);
        foreach (var t in new[] { "操作部件位置1", "操作部件位置2", "目标部件位置1", "目标部件位置2" })
            Add(t, MaintenanceLexicon.Locations);
        Add("方位", MaintenanceLexicon.Directions);
        Add("工作区域", MaintenanceLexicon.WorkAreas);
        Add("操作程序", MaintenanceLexicon.Procedures);
        Add("操作程序选项", MaintenanceLexicon.ProcedureOptions);
        Add("物理量", MaintenanceLexicon.Quantities);
        Add("量词", MaintenanceLexicon.Classifiers);
    }

    private void Add(string key, IReadOnlyList<string> words) =>
        _lists[key] = (words.Where(w => !MaintenanceLexicon.IsHeldOut(w)).ToList(), words.Where(MaintenanceLexicon.IsHeldOut).ToList());

    /// <summary>Every entry that dev may use but train never does, by slot list.</summary>
    public IReadOnlyList<string> HeldOutEntries() => _lists.Values.SelectMany(v => v.HeldOut).Distinct().ToList();

    public string Fill(DeterministicRandom random, string type, string? list, bool allowHeldOut, double heldOutShare)
    {
        var key = list == null ? type : type + ":" + list;
        if (!_lists.TryGetValue(key, out var words))
            throw new ArgumentException($"no word list for slot '{{{key}}}'");
        if (allowHeldOut && words.HeldOut.Count > 0 && random.Chance(heldOutShare))
            return random.Pick(words.HeldOut);
        return random.Pick(words.Seen);
    }
}
