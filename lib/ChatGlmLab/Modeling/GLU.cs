using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// The feed-forward block, named GLU upstream although it has no gate:
/// dense_4h_to_h(gelu_tanh(dense_h_to_4h(x))).
/// </summary>
public sealed class GLU : TorchSharp.torch.nn.Module<Tensor, Tensor>
{
    public nn.Module<Tensor, Tensor> dense_h_to_4h;
    public nn.Module<Tensor, Tensor> dense_4h_to_h;

    public GLU(ChatGlmConfig config, int layerIndex, ModuleFactory factory) : base("GLU")
    {
        dense_h_to_4h = factory.NewBlockLinear($"transformer.layers.{layerIndex}.mlp.dense_h_to_4h", config.HiddenSize, config.InnerHiddenSize);
        dense_4h_to_h = factory.NewBlockLinear($"transformer.layers.{layerIndex}.mlp.dense_4h_to_h", config.InnerHiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => dense_4h_to_h.forward(GeluTanh(dense_h_to_4h.forward(x)));

    /// <summary>0.5·x·(1 + tanh(0.7978845608028654·x·(1 + 0.044715·x²))), upstream's gelu_impl.</summary>
    public static Tensor GeluTanh(Tensor x) => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh);
}
