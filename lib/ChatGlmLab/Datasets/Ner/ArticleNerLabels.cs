namespace ChatGlmLab.Datasets.Ner;

/// <summary>
/// The seed project's 18 maintenance-manual entity types, in the order its turn-1 instruction lists
/// them (this order is part of the instruction text the seed trained on).
/// </summary>
public static class ArticleNerLabels
{
    public static readonly IReadOnlyList<string> All =
    [
        "安装动作", "操作部件位置1", "方位", "目标部件位置1", "操作程序选项", "一般动作",
        "操作部件位置2", "目标部件2", "物理量", "目标部件位置2", "量词", "工作区域",
        "拆卸动作", "操作程序", "目标部件1", "操作部件2", "操作部件1", "一般工具",
    ];
}
