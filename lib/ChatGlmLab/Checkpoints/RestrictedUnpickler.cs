using System.Buffers.Binary;
using System.Text;

namespace ChatGlmLab.Checkpoints;

/// <summary>
/// A pickle reader that can only build what a PyTorch state dict contains: dicts, lists, tuples,
/// strings, numbers and tensor rebuilds. A pickle is a program; Python's torch.load (weights_only=False)
/// would import and call any global it names (e.g. os.system). Here every global is checked against
/// an allow-list (OrderedDict, torch._utils._rebuild_tensor[_v2], _rebuild_parameter, torch.*Storage)
/// and anything else is refused with an error naming the file and the global, before anything runs.
/// Nothing is ever executed: allowed globals are interpreted by this class.
/// </summary>
internal sealed class RestrictedUnpickler
{
    /// <summary>Reference to a tensor storage in the checkpoint archive (persistent id).</summary>
    public sealed record StorageRef(string Key, string StorageType, long ElementCount);

    /// <summary>A tensor view of a storage, as _rebuild_tensor_v2 describes it.</summary>
    public sealed record TensorRef(StorageRef Storage, long Offset, long[] Shape, long[] Stride);

    private sealed record Global(string Module, string Name);
    private sealed class Mark { public static readonly Mark Instance = new(); }

    private static readonly HashSet<string> StorageTypes =
    [
        "FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage", "LongStorage", "IntStorage",
        "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage",
    ];

    private readonly string _source;
    private readonly byte[] _data;
    private int _pos;
    private readonly List<object?> _stack = new();
    private readonly Dictionary<long, object?> _memo = new();

    private RestrictedUnpickler(byte[] data, string source)
    {
        _data = data;
        _source = source;
    }

    /// <summary>Reads a pickled state dict: an (ordered) dict from names to tensor references.</summary>
    public static Dictionary<string, TensorRef> ReadStateDict(byte[] pickle, string source)
    {
        var result = new RestrictedUnpickler(pickle, source).Run();
        if (result is not Dictionary<object, object?> dict)
            throw new InvalidDataException($"{source}: the pickle holds a {Describe(result)}, not a state dict");
        var stateDict = new Dictionary<string, TensorRef>();
        foreach (var (key, value) in dict)
        {
            if (key is not string name)
                throw new InvalidDataException($"{source}: state dict key {key} is not a string");
            if (value is TensorRef t) stateDict[name] = t;
            else throw new InvalidDataException($"{source}: entry '{name}' is a {Describe(value)}, not a tensor");
        }
        return stateDict;
    }

    private object? Run()
    {
        while (true)
        {
            if (_pos >= _data.Length) throw Corrupt("pickle ended without STOP");
            byte op = _data[_pos++];
            switch (op)
            {
                case 0x80: _pos++; break;                                   // PROTO
                case 0x95: _pos += 8; break;                                // FRAME
                case (byte)'.': return Pop();                               // STOP
                case (byte)'(': Push(Mark.Instance); break;                 // MARK
                case (byte)'}': Push(new Dictionary<object, object?>()); break; // EMPTY_DICT
                case (byte)']': Push(new List<object?>()); break;           // EMPTY_LIST
                case (byte)')': Push(Array.Empty<object?>()); break;        // EMPTY_TUPLE
                case (byte)'N': Push(null); break;                          // NONE
                case 0x88: Push(true); break;                               // NEWTRUE
                case 0x89: Push(false); break;                              // NEWFALSE
                case (byte)'K': Push((long)_data[_pos++]); break;           // BININT1
                case (byte)'M': Push((long)ReadU16()); break;               // BININT2
                case (byte)'J': Push((long)(int)ReadU32()); break;          // BININT
                case 0x8a: Push(ReadLong1()); break;                        // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                case (byte)'X': Push(Encoding.UTF8.GetString(Take((int)ReadU32()))); break; // BINUNICODE
                case 0x8c: Push(Encoding.UTF8.GetString(Take(_data[_pos++]))); break;      // SHORT_BINUNICODE
                case (byte)'T': Push(Encoding.Latin1.GetString(Take((int)ReadU32()))); break; // BINSTRING
                case (byte)'U': Push(Encoding.Latin1.GetString(Take(_data[_pos++]))); break; // SHORT_BINSTRING
                case (byte)'q': _memo[_data[_pos++]] = Peek(); break;       // BINPUT
                case (byte)'r': _memo[ReadU32()] = Peek(); break;           // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break;              // MEMOIZE
                case (byte)'h': Push(Memo(_data[_pos++])); break;           // BINGET
                case (byte)'j': Push(Memo(ReadU32())); break;               // LONG_BINGET
                case (byte)'t': Push(PopToMark().ToArray()); break;         // TUPLE
                case 0x85: Push(new[] { Pop() }); break;                    // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)'a': { var v = Pop(); AsList(Peek()).Add(v); break; }            // APPEND
                case (byte)'e': { var items = PopToMark(); AsList(Peek()).AddRange(items); break; } // APPENDS
                case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(Peek())[k!] = v; break; } // SETITEM
                case (byte)'u':                                             // SETITEMS
                {
                    var items = PopToMark();
                    var dict = AsDict(Peek());
                    for (int i = 0; i + 1 < items.Count; i += 2) dict[items[i]!] = items[i + 1];
                    break;
                }
                case (byte)'c':                                             // GLOBAL
                {
                    string module = ReadLine(), name = ReadLine();
                    Push(CheckGlobal(module, name));
                    break;
                }
                case 0x93:                                                  // STACK_GLOBAL
                {
                    var name = Pop() as string; var module = Pop() as string;
                    if (module == null || name == null) throw Corrupt("STACK_GLOBAL without strings");
                    Push(CheckGlobal(module, name));
                    break;
                }
                case (byte)'Q': Push(PersistentLoad(Pop())); break;         // BINPERSID
                case (byte)'R':                                             // REDUCE
                {
                    var args = Pop() as object?[] ?? throw Corrupt("REDUCE without an argument tuple");
                    var callable = Pop() as Global ?? throw Corrupt("REDUCE on something that is not a global");
                    Push(Call(callable, args));
                    break;
                }
                case (byte)'b': Pop(); break;                               // BUILD: state (e.g. OrderedDict._metadata) is not needed
                default:
                    throw Corrupt($"unsupported pickle opcode 0x{op:x2} at byte {_pos - 1}");
            }
        }
    }

    private Global CheckGlobal(string module, string name)
    {
        bool allowed = (module, name) switch
        {
            ("collections", "OrderedDict") => true,
            ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_tensor" or "_rebuild_parameter") => true,
            ("torch", _) when StorageTypes.Contains(name) => true,
            _ => false,
        };
        if (!allowed)
            throw new UnsafeCheckpointException(
                $"{_source}: refusing to load: the pickle references the global '{module}.{name}', which is not a tensor " +
                "or dict constructor. A checkpoint that does this can run arbitrary code under Python's torch.load; only state dicts are accepted.");
        return new Global(module, name);
    }

    private object? Call(Global callable, object?[] args)
    {
        switch (callable.Name)
        {
            case "OrderedDict":
                return new Dictionary<object, object?>();
            case "_rebuild_tensor_v2":
            case "_rebuild_tensor":
                if (args.Length < 4 || args[0] is not StorageRef storage)
                    throw Corrupt($"{callable.Name} with unexpected arguments");
                return new TensorRef(storage, ToLong(args[1]), ToLongs(args[2]), ToLongs(args[3]));
            case "_rebuild_parameter":
                if (args.Length < 1 || args[0] is not TensorRef data) throw Corrupt("_rebuild_parameter without a tensor");
                return data;
            default:
                throw Corrupt($"'{callable.Module}.{callable.Name}' cannot be called");
        }
    }

    private object PersistentLoad(object? pid)
    {
        // ('storage', torch.XStorage, key, location, numel)
        if (pid is not object?[] { Length: >= 5 } t || t[0] as string != "storage" || t[1] is not Global type || t[2] is not string key)
            throw Corrupt("unexpected persistent id (not a tensor storage)");
        if (type.Module != "torch" || !StorageTypes.Contains(type.Name)) throw Corrupt($"unknown storage type {type.Name}");
        return new StorageRef(key, type.Name, ToLong(t[4]));
    }

    private static long ToLong(object? o) => o switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new InvalidDataException($"expected an integer, found {Describe(o)}"),
    };

    private static long[] ToLongs(object? o) => o is object?[] items ? items.Select(ToLong).ToArray()
        : throw new InvalidDataException($"expected a tuple of integers, found {Describe(o)}");

    private static string Describe(object? o) => o switch
    {
        null => "None",
        TensorRef => "tensor",
        Dictionary<object, object?> => "dict",
        List<object?> => "list",
        object?[] => "tuple",
        _ => o.GetType().Name,
    };

    private List<object?> AsList(object? o) => o as List<object?> ?? throw Corrupt("APPEND on a non-list");
    private Dictionary<object, object?> AsDict(object? o) => o as Dictionary<object, object?> ?? throw Corrupt("SETITEM on a non-dict");
    private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Corrupt($"memo key {key} missing");

    private void Push(object? o) => _stack.Add(o);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Corrupt("stack underflow");

    private object? Pop()
    {
        var o = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return o;
    }

    private List<object?> PopToMark()
    {
        int mark = _stack.FindLastIndex(o => ReferenceEquals(o, Mark.Instance));
        if (mark < 0) throw Corrupt("no MARK on the stack");
        var items = _stack.GetRange(mark + 1, _stack.Count - mark - 1);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || _pos + n > _data.Length) throw Corrupt("pickle truncated");
        var span = _data.AsSpan(_pos, n);
        _pos += n;
        return span;
    }

    private ushort ReadU16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
    private uint ReadU32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    private long ReadLong1()
    {
        int n = _data[_pos++];
        var bytes = Take(n);
        if (n > 8) throw Corrupt("integer too large");
        long value = 0;
        for (int i = n - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        if (n > 0 && n < 8 && (bytes[n - 1] & 0x80) != 0) value -= 1L << (8 * n); // two's complement
        return value;
    }

    private string ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw Corrupt("unterminated GLOBAL");
        string s = Encoding.ASCII.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private InvalidDataException Corrupt(string what) => new($"{_source}: corrupt checkpoint pickle: {what}");
}

/// <summary>A checkpoint whose pickle would do more than build tensors.</summary>
public sealed class UnsafeCheckpointException(string message) : IOException(message);
