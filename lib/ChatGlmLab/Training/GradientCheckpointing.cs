using ChatGlmLab.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Training;

/// <summary>
/// Gradient checkpointing per transformer block (HF's gradient_checkpointing): the forward keeps only
/// each block's input; backward runs the block again with gradients on and differentiates that.
/// Memory for activations drops from all layers to about one layer, at the cost of a second forward.
/// Random draws (LoRA dropout) are replayed from the generator state saved at forward time, and the
/// global generator is left where it was, so a run is the same with or without checkpointing.
/// </summary>
public static class GradientCheckpointing
{
    /// <summary>Runs one block checkpointed when training with gradients, directly otherwise (evaluation, generation).</summary>
    public static Tensor Run(GLMBlock block, BlockInput input)
    {
        var (hidden, context) = input;
        if (!is_grad_enabled() || !block.training || context.Cache != null) return block.forward(input);

        var prefix = context.Prefix;
        var prefixTensors = prefix == null ? [] : prefix.Keys.Concat(prefix.Values).ToList();
        var parameters = block.parameters().Where(p => p.requires_grad).Cast<Tensor>().ToList();
        var state = new BlockCall(block, context, prefixTensors.Count, parameters.Count);
        // Inputs the graph must know about: the hidden state, the prefix key/values (P-Tuning trains them)
        // and the block's trainable parameters (their gradients are returned by the backward below).
        var inputs = new List<object> { state, hidden };
        inputs.AddRange(prefixTensors);
        inputs.AddRange(parameters);
        return CheckpointedBlock.apply(inputs.ToArray());
    }

    /// <summary>What backward needs to run the block again.</summary>
    private sealed record BlockCall(GLMBlock Block, AttentionContext Context, int PrefixCount, int ParameterCount)
    {
        public byte[] RandomState { get; set; } = [];
    }

    private sealed class CheckpointedBlock : autograd.SingleTensorFunction<CheckpointedBlock>
    {
        public override string Name => nameof(CheckpointedBlock);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var call = (BlockCall)vars[0];
            var hidden = (Tensor)vars[1];
            using (var rng = torch.random.get_rng_state()) call.RandomState = rng.data<byte>().ToArray();
            ctx.save_data("call", call);
            ctx.save_for_backward([hidden]);
            // Autograd is off here (the Function wraps forward), but TorchSharp's dispose scope would still hold every
            // intermediate until the step ends: an inner scope frees them now, which is the point of checkpointing.
            using var scope = NewDisposeScope();
            return call.Block.forward(new BlockInput(hidden, call.Context)).MoveToOuterDisposeScope();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var call = (BlockCall)ctx.get_data("call");
            using var scope = NewDisposeScope();   // the recomputed block is freed as soon as its gradients are out
            var hidden = ctx.get_saved_variables()[0];
            var original = call.Context;
            var originalPrefix = original.Prefix;

            using var grad = enable_grad();
            var hiddenIn = hidden.detach().requires_grad_(hidden.requires_grad);
            PrefixKeyValues? prefixIn = null;
            if (originalPrefix != null)
                prefixIn = new PrefixKeyValues(
                    originalPrefix.Keys.Select(k => k.detach().requires_grad_(k.requires_grad)).ToList(),
                    originalPrefix.Values.Select(v => v.detach().requires_grad_(v.requires_grad)).ToList());
            var context = new AttentionContext
            {
                Cos = original.Cos, Sin = original.Sin, Mask = original.Mask, AdditiveMask = original.AdditiveMask,
                QueryRowKeep = original.QueryRowKeep, Cache = null, Prefix = prefixIn, ExactUpstreamAttention = original.ExactUpstreamAttention,
            };

            // Replay the forward's random draws, then put the generator back where training left it.
            Tensor output;
            using (var current = torch.random.get_rng_state())
            {
                using (var saved = tensor(call.RandomState, ScalarType.Byte)) torch.random.set_rng_state(saved);
                output = call.Block.forward(new BlockInput(hiddenIn, context));
                torch.random.set_rng_state(current);
            }

            var prefixInputs = prefixIn == null ? new List<Tensor>() : prefixIn.Keys.Concat(prefixIn.Values).ToList();
            var parameters = call.Block.parameters().Where(p => p.requires_grad).Cast<Tensor>().ToList();
            var wrt = new List<Tensor>();
            if (hiddenIn.requires_grad) wrt.Add(hiddenIn);
            wrt.AddRange(prefixInputs.Where(t => t.requires_grad));
            wrt.AddRange(parameters);
            var grads = wrt.Count == 0 ? [] : autograd.grad([output], wrt, [gradOutput], allow_unused: true);
            var byInput = wrt.Zip(grads).ToDictionary<(Tensor First, Tensor Second), Tensor, Tensor?>(x => x.First, x => x.Second is null || x.Second.IsInvalid ? null : x.Second, ReferenceEqualityComparer.Instance);

            // One gradient per forward argument, in order (null for the non-tensor call description).
            var result = new List<Tensor> { null! };
            result.Add(byInput.GetValueOrDefault(hiddenIn)!);
            result.AddRange(prefixInputs.Select(t => byInput.GetValueOrDefault(t)!));
            result.AddRange(parameters.Select(p => byInput.GetValueOrDefault(p)!));
            foreach (var g in result) g?.MoveToOuterDisposeScope();
            return result;
        }
    }
}
