using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Tests.Tasks.Ner;

/// <summary>
/// The article's sample sentence and its spans. The seed publishes only the turn-1 answer
/// (一般动作$一般工具$拆卸动作$操作部件1$操作部件位置1$拆卸动作$操作部件1) and 一般动作 → 使用 at 0..2;
/// the other mentions were located in the text by hand, in that type order.
/// </summary>
public static class ArticleSentence
{
    public const string Text = "使用冷却液连接器拆卸工具，松开将冷却液输入管固定到功率转换系统的夹子，并从功率转换系统上拆下导管。请参阅管路输入冷却液功率转换系统。";

    public static NerExample Example() => new(Text,
    [
        new("一般动作", 0, 2, "使用"),
        new("一般工具", 2, 12, "冷却液连接器拆卸工具"),
        new("拆卸动作", 13, 15, "松开"),
        new("操作部件1", 16, 22, "冷却液输入管"),
        new("操作部件位置1", 25, 31, "功率转换系统"),
        new("拆卸动作", 44, 46, "拆下"),
        new("操作部件1", 46, 48, "导管"),
    ]);

    /// <summary>The seed's turn-1 instruction, as its sample record holds it.</summary>
    public const string TypeInstruction =
        "你现在是一个命名实体识别模型，请你帮我判断一下文本存在那些类别，这些类别包括'安装动作','操作部件位置1','方位','目标部件位置1','操作程序选项','一般动作','操作部件位置2','目标部件2','物理量','目标部件位置2','量词','工作区域','拆卸动作','操作程序','目标部件1','操作部件2','操作部件1','一般工具',类别之间用'$'分割。";

    public const string TypeAnswer = "一般动作$一般工具$拆卸动作$操作部件1$操作部件位置1$拆卸动作$操作部件1";
}
