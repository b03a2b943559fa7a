namespace ChatGlmLab.Datasets.Synthetic;

/// <summary>
/// Clause templates of the synthetic maintenance corpus, several per kind of step (removal,
/// installation, inspection, references, options). Sentences join one to three clauses, like the
/// seed's multi-clause example ("使用…工具，松开将…固定到…的夹子，并从…上拆下导管。").
/// </summary>
public static class MaintenanceTemplates
{
    public static readonly IReadOnlyList<SentenceTemplate> Clauses = new[]
    {
        // removal
        "{一般动作:use}{一般工具}，{拆卸动作}{操作部件1}",
        "{拆卸动作}将{操作部件1}固定到{操作部件位置1}的{操作部件2}",
        "并从{操作部件位置1}上{拆卸动作}{操作部件1}",
        "{拆卸动作}{量词}固定{操作部件1}的{操作部件2}",
        "{拆卸动作}{操作部件位置1}{方位}的{操作部件1}",
        "{拆卸动作}{操作部件1}与{操作部件2}之间的连接",
        "在{工作区域}中{拆卸动作}{操作部件1}",
        "{一般动作:use}{一般工具}{拆卸动作}{操作部件1}",
        "将{操作部件1}从{操作部件位置1}{方位}{拆卸动作}",
        "{拆卸动作}{操作部件位置1}与{操作部件位置2}之间的{操作部件1}",
        "{拆卸动作}{操作部件1}（{量词}）",
        // installation
        "将{操作部件1}{安装动作}到{目标部件1}上",
        "{安装动作}{量词}{操作部件1}，{安装动作:tighten}至{物理量}",
        "将{操作部件1}{安装动作}到{目标部件位置1}{方位}的{目标部件1}",
        "{一般动作:use}{一般工具}将{操作部件1}{安装动作:tighten}至{物理量}",
        "将{操作部件1}和{操作部件2}{安装动作}到{目标部件1}",
        "将{操作部件1}{安装动作}到{目标部件1}，再将{操作部件2}{安装动作}到{目标部件2}",
        "在{工作区域}{一般动作:use}{一般工具}{安装动作}{操作部件1}",
        "{安装动作}{目标部件位置1}上的{目标部件1}和{目标部件位置2}上的{目标部件2}",
        "{安装动作:tighten}{操作部件1}（{物理量}）",
        // inspection and care
        "{一般动作:check}{目标部件位置1}{方位}的{目标部件1}是否损坏",
        "{一般动作:care}{操作部件位置1}{方位}的{操作部件1}",
        "{一般动作:measure}{目标部件1}与{目标部件2}之间的间隙，标准值为{物理量}",
        "{安装动作}{操作部件1}前，{一般动作:check}{目标部件1}是否泄漏",
        "{一般动作:check}{工作区域}内的{目标部件1}",
        // references and options
        "请参阅{操作程序}",
        "{操作程序选项}，{一般动作:check}{目标部件1}",
        "{操作程序选项}，{拆卸动作}{操作部件1}",
        "{操作程序选项}，{一般动作:care}{目标部件位置1}的{目标部件1}",
    }.Select(p => new SentenceTemplate(p)).ToList();
}
