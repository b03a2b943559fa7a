using ChatGlmLab.Kernels;
using ChatGlmLab.Modeling;
using ChatGlmLab.Quantization;
using ChatGlmLab.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Runtime;

/// <summary>
/// Multi-row linears on bfloat16 activations compute in float32 where the CPU emulates bf16 (MatmulPrecision), and
/// in bf16 otherwise. Both paths run here on any CPU (<see cref="MatmulPrecision.Widening"/> picks one per thread), and
/// each is checked against the arithmetic it claims: widened = one float32 linear rounded to bf16 once.
/// </summary>
public sealed class MatmulPrecisionTests
{
    private const long In = 96, Out = 40, Rows = 24;   // 24 rows: more than the decode kernels take, so prefill's path runs

    private static readonly ModuleFactory Float32Factory = new(ScalarType.Float32, CPU, ParameterInit.Random);

    private static Tensor Activations(long seed) =>
        randn([2, Rows / 2, In], generator: new Generator((ulong)seed)).to(ScalarType.BFloat16);

    private static QuantizedLinear QuantizedLayer(int bits, long seed)
    {
        manual_seed(seed);
        var linear = new Linear(In, Out, true, Float32Factory);
        using (no_grad()) linear.bias!.normal_(0, 0.5);
        return QuantizedLinear.FromLinear(linear, bits);
    }

    private static Tensor WidenedReference(Tensor x, Tensor weight32, Tensor? bias) =>
        nn.functional.linear(x.to(ScalarType.Float32), weight32, bias?.to(ScalarType.BFloat16).to(ScalarType.Float32)).to(ScalarType.BFloat16);

    private static bool Same(Tensor a, Tensor b) => a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    [Fact]
    public void Only_bf16_activations_on_the_cpu_widen_and_the_choice_is_restored()
    {
        using var bf16 = zeros([2, 3], ScalarType.BFloat16);
        using var f32 = zeros([2, 3], ScalarType.Float32);
        bool machineDefault = MatmulPrecision.WidenCpuBFloat16;
        Assert.Equal(!BFloat16Support.IsNative(DeviceType.CPU), machineDefault);
        using (MatmulPrecision.Widening(true))
        {
            Assert.Equal(ScalarType.Float32, MatmulPrecision.ComputeType(bf16));
            Assert.Equal(ScalarType.Float32, MatmulPrecision.ComputeType(f32));
            using (MatmulPrecision.Widening(false))
                Assert.Equal(ScalarType.BFloat16, MatmulPrecision.ComputeType(bf16));
            Assert.True(MatmulPrecision.WidenCpuBFloat16);
        }
        Assert.Equal(machineDefault, MatmulPrecision.WidenCpuBFloat16);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void A_quantized_prefill_widens_to_an_exact_float32_weight_and_rounds_once(int bits)
    {
        using var scope = NewDisposeScope();
        var layer = QuantizedLayer(bits, 11 + bits);
        var x = Activations(bits);
        var exactWeight = layer.DequantizedWeight(ScalarType.Float32);
        Tensor widened, narrow;
        using (no_grad())
        {
            using (MatmulPrecision.Widening(true)) widened = layer.forward(x);
            using (MatmulPrecision.Widening(false)) narrow = layer.forward(x);
        }
        Assert.Equal(ScalarType.BFloat16, widened.dtype);
        Assert.True(Same(widened, WidenedReference(x, exactWeight, layer.bias)), "widened prefill is not one float32 linear rounded to bf16");
        var bf16Bias = layer.bias!.to(ScalarType.BFloat16);
        Assert.True(Same(narrow, nn.functional.linear(x, layer.DequantizedWeight(ScalarType.BFloat16), bf16Bias)), "the bf16 path changed");

        // Against the float32 result, the widened path has only its final rounding; the bf16 one also rounds the weight.
        var truth = nn.functional.linear(x.to(ScalarType.Float32), exactWeight, bf16Bias.to(ScalarType.Float32));
        double widenedError = (widened.to(ScalarType.Float32) - truth).abs().mean().item<float>();
        double narrowError = (narrow.to(ScalarType.Float32) - truth).abs().mean().item<float>();
        Assert.True(widenedError < narrowError, $"widened error {widenedError} not below the bf16 path's {narrowError}");
    }

    [Fact]
    public void Training_through_a_quantized_layer_widens_forward_and_backward()
    {
        using var scope = NewDisposeScope();
        var layer = QuantizedLayer(4, 5);
        var exactWeight = layer.DequantizedWeight(ScalarType.Float32);
        var x = Activations(6).requires_grad_(true);
        var gradOutput = randn([2, Rows / 2, Out], generator: new Generator(7)).to(ScalarType.BFloat16);
        Tensor y;
        using (MatmulPrecision.Widening(true))
        {
            y = layer.forward(x);
            y.backward([gradOutput]);
        }
        Assert.True(Same(y.detach(), WidenedReference(x.detach(), exactWeight, layer.bias)));
        var expectedGrad = gradOutput.to(ScalarType.Float32).matmul(exactWeight).to(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, x.grad!.dtype);
        Assert.True(Same(x.grad!, expectedGrad), "the input gradient is not one float32 matmul rounded to bf16");
    }

    [Fact]
    public void A_frozen_bf16_linear_widens_forward_and_backward_and_a_trained_one_keeps_bf16()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var linear = new Linear(In, Out, true, Float32Factory);
        using (no_grad()) linear.bias!.normal_(0, 0.5);
        linear.to(ScalarType.BFloat16);
        var x = Activations(9);
        var weight32 = linear.weight.detach().to(ScalarType.Float32);
        var gradOutput = randn([2, Rows / 2, Out], generator: new Generator(8)).to(ScalarType.BFloat16);
        using (MatmulPrecision.Widening(true))
        {
            using (no_grad())
                Assert.True(Same(linear.forward(x), WidenedReference(x, weight32, linear.bias!.detach())), "inference did not widen");

            linear.weight.requires_grad = false;
            var input = x.clone().requires_grad_(true);
            var y = linear.forward(input);
            y.backward([gradOutput]);
            Assert.True(Same(y.detach(), WidenedReference(x, weight32, linear.bias!.detach())), "a frozen weight's forward did not widen");
            Assert.True(Same(input.grad!, gradOutput.to(ScalarType.Float32).matmul(weight32).to(ScalarType.BFloat16)), "its backward did not widen");
            Assert.NotNull(linear.bias!.grad);   // the bias still trains

            // A weight that trains keeps libtorch's bf16 matmul (its gradient is libtorch's).
            linear.weight.requires_grad = true;
            var trained = linear.forward(x.clone().requires_grad_(true));
            Assert.True(Same(trained.detach(), nn.functional.linear(x, linear.weight.detach(), linear.bias!.detach())));
            trained.backward([gradOutput]);
            Assert.NotNull(linear.weight.grad);
        }
    }

    [Fact]
    public void A_weight_larger_than_one_widened_block_is_assembled_block_by_block()
    {
        using var scope = NewDisposeScope();
        const long wideIn = 4096;
        long blockRows = WidenedLinearFunction.BlockBytes / (sizeof(float) * wideIn);
        long outRows = 2 * blockRows + 37;   // three blocks, the last one short
        var weight = (randn([outRows, wideIn], generator: new Generator(21)) * 0.02).to(ScalarType.BFloat16);
        var bias = randn([outRows], generator: new Generator(22)).to(ScalarType.BFloat16).requires_grad_(true);
        var x = randn([3, wideIn], generator: new Generator(23)).to(ScalarType.BFloat16).requires_grad_(true);
        var gradOutput = randn([3, outRows], generator: new Generator(24)).to(ScalarType.BFloat16);
        var y = WidenedLinearFunction.Apply(x, weight, bias);
        y.backward([gradOutput]);

        // Against float64: each output is one float32 dot product rounded to bf16, so within bf16's rounding (2⁻⁸ relative)
        // of the exact value, plus float32's accumulation error; a block written in the wrong place would be far off.
        var exact = nn.functional.linear(x.detach().to(ScalarType.Float64), weight.to(ScalarType.Float64), bias.detach().to(ScalarType.Float64));
        var scale = nn.functional.linear(x.detach().to(ScalarType.Float64).abs(), weight.to(ScalarType.Float64).abs(), bias.detach().to(ScalarType.Float64).abs());
        Assert.True((y.detach().to(ScalarType.Float64) - exact).abs().le(scale * Math.Pow(2, -8) + 1e-6).all().item<bool>(), "forward blocks");
        var exactGrad = gradOutput.to(ScalarType.Float64).matmul(weight.to(ScalarType.Float64));
        var gradScale = gradOutput.to(ScalarType.Float64).abs().matmul(weight.to(ScalarType.Float64).abs());
        Assert.True((x.grad!.to(ScalarType.Float64) - exactGrad).abs().le(gradScale * Math.Pow(2, -8) + 1e-6).all().item<bool>(), "backward blocks");
        Assert.True(Same(bias.grad!, gradOutput.sum([0])), "the bias gradient");
    }
}
