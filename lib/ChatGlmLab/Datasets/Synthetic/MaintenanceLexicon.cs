namespace ChatGlmLab.Datasets.Synthetic;

/// <summary>
/// Word lists of the synthetic maintenance corpus, one per slot kind. Parts, locations and procedure
/// titles are composed (prefix × base) so there are hundreds of surface forms. About one entry in six
/// of every list is HELD OUT: it never occurs in train and is used by part of dev, so dev measures
/// generalisation beyond memorised names. The split is a fixed hash of the entry, not random state.
/// Words that templates use as plain text (固定, 连接, 参阅, ...) are kept out of the action lists so
/// that one string is never both annotated and not annotated.
/// </summary>
public static class MaintenanceLexicon
{
    public static readonly IReadOnlyList<string> InstallVerbs =
        ["安装", "装上", "装回", "插入", "接上", "装配", "压入", "卡入", "推入", "扣上", "重新安装", "对准并安装", "套上", "挂上"];

    /// <summary>Install actions that take a torque value ("拧紧至 22 Nm").</summary>
    public static readonly IReadOnlyList<string> TightenVerbs = ["拧紧", "紧固", "预紧", "按对角顺序拧紧"];

    public static readonly IReadOnlyList<string> RemoveVerbs =
        ["拆下", "松开", "拆除", "取下", "拔出", "断开", "卸下", "旋出", "撬出", "脱开", "拧松", "释放", "拉出", "分离"];

    public static readonly IReadOnlyList<string> UseVerbs = ["使用", "借助", "利用", "用"];
    public static readonly IReadOnlyList<string> CheckVerbs = ["检查", "目视检查", "确认", "查看", "测试"];
    public static readonly IReadOnlyList<string> CareVerbs = ["清洁", "擦拭", "润滑", "标记", "更换", "调整"];
    public static readonly IReadOnlyList<string> MeasureVerbs = ["测量", "校准", "记录"];

    public static readonly IReadOnlyList<string> Tools =
    [
        "扭力扳手", "套筒扳手", "十字螺丝刀", "一字螺丝刀", "卡箍钳", "尖嘴钳", "内饰撬板", "冷却液连接器拆卸工具",
        "万用表", "吸油器", "千斤顶", "举升机", "扭力螺丝刀", "塞尺", "橡胶锤", "10毫米套筒", "13毫米套筒",
        "T30梅花旋具", "软管夹钳", "卡扣拆卸工具", "诊断仪", "密封胶枪", "绝缘手套", "内六角扳手", "棘轮扳手",
        "8毫米套筒", "T25梅花旋具", "拉马", "真空泵", "冷媒回收机", "游标卡尺", "电烙铁",
    ];

    private static readonly string[] PartPrefixes =
    [
        "冷却液", "制动液", "燃油", "空调", "转向", "排气", "进气", "变速箱", "高压", "低压", "真空", "机油",
        "洗涤液", "散热器", "暖风", "蓄电池", "电池", "充电", "驻车", "悬架",
    ];

    private static readonly string[] PartBases =
    [
        "输入管", "输出管", "软管", "接头", "支架", "线束", "插头", "卡箍", "导管", "泵", "阀", "储液罐",
        "滤清器", "传感器", "护板", "隔热罩", "管夹", "固定座", "盖板", "密封圈",
    ];

    private static readonly string[] StandaloneParts =
    [
        "螺栓", "螺母", "夹子", "导管", "卡扣", "垫圈", "线束插头", "接地线", "护罩", "饰板", "扎带", "O形圈",
        "定位销", "弹簧卡箍", "保险丝", "继电器", "铰链", "挡泥板", "紧固件", "橡胶衬套",
    ];

    private static readonly string[] LocationBases =
    [
        "功率转换系统", "驱动单元", "前驱动电机", "后驱动电机", "电池组", "前副车架", "后副车架", "仪表板",
        "前保险杠", "后保险杠", "车门内饰板", "前舱盖", "后备箱盖", "散热器", "减震器塔", "转向节", "控制臂",
        "座椅导轨", "中控台", "顶棚", "车轮罩", "充电口", "热泵", "空调压缩机", "冷凝器", "蒸发器",
        "车身控制模块", "电子驻车制动器", "车载充电器", "高压配电盒",
    ];

    private static readonly string[] LocationSuffixes = ["", "总成", "壳体", "支架", "下部"];

    public static readonly IReadOnlyList<string> Directions =
        ["左侧", "右侧", "前部", "后部", "上方", "下方", "内侧", "外侧", "顶部", "底部", "左前", "右后", "中间", "背面"];

    public static readonly IReadOnlyList<string> WorkAreas =
        ["前舱", "发动机舱", "后备箱", "车辆底部", "驾驶室", "乘客舱", "后排座椅区域", "前轮拱", "后轮拱", "车顶", "电池舱", "底盘下方", "左前门", "右后门"];

    public static readonly IReadOnlyList<string> ProcedureOptions =
    [
        "如有必要", "如适用", "仅限双电机车型", "仅限四驱车型", "若配备热泵", "必要时", "安装时", "拆卸前",
        "仅限右舵车型", "如果更换新部件", "若配备空气悬架", "仅限高性能版", "如果部件损坏", "首次保养时",
    ];

    private static readonly string[] ProcedureSuffixes = ["-拆卸和安装", "-更换", "（拆卸）", "-排放和加注", "-检查", "-校准"];

    private static readonly string[] TorqueUnits = ["Nm", "牛·米"];
    private static readonly int[] Torques = [5, 6, 7, 9, 10, 12, 15, 18, 20, 22, 25, 28, 30, 35, 40, 45, 50, 55, 60, 70, 80, 90, 100, 110, 120, 140, 175];
    private static readonly string[] Counts = ["2个", "3个", "4个", "两个", "一个", "2颗", "3颗", "4颗", "6颗", "两颗", "2根", "一根", "两处", "3处", "4只", "两只", "5颗", "8颗"];

    public static readonly IReadOnlyList<string> Parts =
        PartPrefixes.SelectMany(p => PartBases.Select(b => p + b)).Concat(StandaloneParts).Distinct().ToList();

    public static readonly IReadOnlyList<string> Locations =
        LocationBases.SelectMany(b => LocationSuffixes.Select(s => b + s)).Distinct().ToList();

    public static readonly IReadOnlyList<string> Procedures =
        LocationBases.Concat(PartPrefixes.Take(10).Select(p => p + "管路"))
            .SelectMany(b => ProcedureSuffixes.Select(s => b + s)).Distinct().ToList();

    public static readonly IReadOnlyList<string> Quantities =
        Torques.SelectMany(t => TorqueUnits.Select(u => t.ToString(System.Globalization.CultureInfo.InvariantCulture) + u))
            .Concat(new[] { "0.5毫米", "0.8毫米", "1毫米", "1.5毫米", "2毫米", "3毫米", "1.5升", "2升", "4.5升", "6升", "200千帕", "250千帕", "300千帕" })
            .ToList();

    public static readonly IReadOnlyList<string> Classifiers = Counts;

    // No ASCII spaces anywhere ("22Nm", not "22 Nm"): the seed's corpus came from character-per-line
    // files, which cannot hold a space character, and ours must round-trip through them too.

    /// <summary>True for the fixed share of entries that only dev may use.</summary>
    public static bool IsHeldOut(string entry)
    {
        // FNV-1a over UTF-16 units: stable across runs and platforms.
        var h = 2166136261u;
        foreach (var c in entry)
        {
            h ^= c;
            h *= 16777619u;
        }
        return h % 6 == 0;
    }
}
