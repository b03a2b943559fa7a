using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Adapters;

/// <summary>Replaces a submodule in place, keeping the parent's field and its registration in sync.</summary>
public static class ModuleSurgery
{
    public static nn.Module Get(nn.Module root, string path) =>
        root.named_modules().FirstOrDefault(m => m.name == path).module
        ?? throw new ArgumentException($"no module named '{path}'");

    /// <summary>Replaces the child at <paramref name="path"/> (dotted) by <paramref name="replacement"/>.</summary>
    public static void Replace(nn.Module root, string path, nn.Module replacement)
    {
        int dot = path.LastIndexOf('.');
        var parent = dot < 0 ? root : Get(root, path[..dot]);
        string name = path[(dot + 1)..];
        var field = parent.GetType().GetField(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new ArgumentException($"{parent.GetType().Name} has no field '{name}' to replace");
        if (!field.FieldType.IsInstanceOfType(replacement))
            throw new ArgumentException($"{parent.GetType().Name}.{name} cannot hold a {replacement.GetType().Name}");
        parent.register_module(name, null!);   // unregisters
        field.SetValue(parent, replacement);
        parent.register_module(name, replacement);
    }
}
