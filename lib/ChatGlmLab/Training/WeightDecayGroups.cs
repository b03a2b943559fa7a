using ChatGlmLab.Modeling;
using static TorchSharp.torch;

namespace ChatGlmLab.Training;

/// <summary>
/// Which parameters get weight decay, HF Trainer's rule (create_optimizer): everything except
/// biases and the parameters of LayerNorm modules. Decaying a norm's gain or a bias pulls it toward
/// zero, which is not regularisation but a change of the function.
/// </summary>
public static class WeightDecayGroups
{
    public static HashSet<string> NoDecayNames(nn.Module model)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (moduleName, module) in model.named_modules())
        {
            if (module is not LayerNorm) continue;
            foreach (var (paramName, _) in module.named_parameters())
                names.Add(moduleName.Length == 0 ? paramName : $"{moduleName}.{paramName}");
        }
        foreach (var (name, _) in model.named_parameters())
            if (name.Contains("bias", StringComparison.Ordinal)) names.Add(name);
        return names;
    }
}
