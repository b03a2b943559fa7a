using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// One transformer layer: x = LN1(h); h = x·α + Attn(x); x = LN2(h); h = x·α + MLP(x).
/// The residual adds the layer-normed input, and α = sqrt(2·28) for every model size, because
/// upstream's GLMBlock defaults num_layers to 28 and ChatGLMModel never passes it.
/// </summary>
public sealed class GLMBlock : nn.Module<BlockInput, Tensor>
{
    public static readonly double ResidualAlpha = Math.Sqrt(2 * 28);
    // One Scalar for the process, not converted per call: see Runtime/Scalars.
    private static readonly TorchSharp.Scalar ResidualAlphaScalar = TorchSharp.ScalarExtensionMethods.ToScalar(ResidualAlpha);

    public LayerNorm input_layernorm;
    public SelfAttention attention;
    public LayerNorm post_attention_layernorm;
    public GLU mlp;

    public GLMBlock(ChatGlmConfig config, int layerIndex, ModuleFactory factory) : base("GLMBlock")
    {
        input_layernorm = new LayerNorm(config.HiddenSize, config.LayerNormEpsilon, factory);
        attention = new SelfAttention(config, layerIndex, factory);
        post_attention_layernorm = new LayerNorm(config.HiddenSize, config.LayerNormEpsilon, factory);
        mlp = new GLU(config, layerIndex, factory);
        RegisterComponents();
    }

    public override Tensor forward(BlockInput input)
    {
        var (h, ctx) = input;
        var x = input_layernorm.forward(h);
        h = TensorMath.Add(x * ResidualAlphaScalar, attention.forward(new BlockInput(x, ctx)));
        x = post_attention_layernorm.forward(h);
        return TensorMath.Add(x * ResidualAlphaScalar, mlp.forward(x));
    }
}
