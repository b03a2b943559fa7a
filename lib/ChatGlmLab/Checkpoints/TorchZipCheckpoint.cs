using TorchSharp;
using System.IO.Compression;
using static TorchSharp.torch;

namespace ChatGlmLab.Checkpoints;

/// <summary>
/// A <c>torch.save</c> file in the zip format (PyTorch ≥ 1.6): <c>archive/data.pkl</c> describes the
/// state dict and each storage is a file <c>archive/data/&lt;key&gt;</c>. Storages are read once and shared
/// by every tensor that views them (tied weights, offsets, non-contiguous strides all come out right),
/// and released after their last tensor was read.
/// </summary>
public sealed class TorchZipCheckpoint : ICheckpointFile
{
    private readonly FileStream _file;
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _storageEntries = new();
    private readonly Dictionary<string, Tensor> _storages = new();
    private readonly Dictionary<string, int> _pendingReads = new();

    public string Path { get; }
    public IReadOnlyList<CheckpointTensor> Tensors { get; }

    public TorchZipCheckpoint(string path)
    {
        Path = path;
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint not found: {path}", path);
        _file = File.OpenRead(path);
        try
        {
            var magic = new byte[4];
            if (_file.Read(magic, 0, 4) < 4 || magic[0] != 0x50 || magic[1] != 0x4b)
                throw new InvalidDataException($"{path}: not a zip-format torch.save file (legacy or corrupt); re-save it with PyTorch ≥ 1.6 or convert to safetensors");
            _file.Position = 0;
            try { _zip = new ZipArchive(_file, ZipArchiveMode.Read, leaveOpen: true); }
            catch (InvalidDataException e) { throw new InvalidDataException($"{path}: corrupt or truncated checkpoint ({e.Message})", e); }

            var pickleEntry = _zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl") || e.FullName == "data.pkl")
                ?? throw new InvalidDataException($"{path}: no data.pkl in the archive");
            string prefix = pickleEntry.FullName[..^"data.pkl".Length];
            foreach (var entry in _zip.Entries)
                if (entry.FullName.StartsWith(prefix + "data/", StringComparison.Ordinal))
                    _storageEntries[entry.FullName[(prefix.Length + 5)..]] = entry;

            byte[] pickle;
            using (var s = pickleEntry.Open())
            using (var ms = new MemoryStream())
            {
                try { s.CopyTo(ms); }
                catch (InvalidDataException e) { throw new InvalidDataException($"{path}: corrupt data.pkl ({e.Message})", e); }
                pickle = ms.ToArray();
            }
            var refs = RestrictedUnpickler.ReadStateDict(pickle, path);
            foreach (var r in refs.Values)
                _pendingReads[r.Storage.Key] = _pendingReads.GetValueOrDefault(r.Storage.Key) + 1;
            Tensors = refs.Select(kv => new CheckpointTensor(kv.Key, kv.Value.Shape,
                TensorStreams.FromStorageType(kv.Value.Storage.StorageType), path, () => Read(kv.Key, kv.Value))
                { ReadInto = target => ReadInto(kv.Value, target) }).ToList();
        }
        catch
        {
            _zip?.Dispose();
            _file.Dispose();
            throw;
        }
    }

    private Tensor Read(string name, RestrictedUnpickler.TensorRef r)
    {
        var storage = Storage(r.Storage);
        long needed = r.Offset + (r.Shape.Length == 0 ? 1 : r.Shape.Zip(r.Stride, (n, s) => (n - 1) * s).Sum() + 1);
        if (r.Shape.Any(n => n == 0)) needed = 0;
        if (needed > storage.shape[0])
            throw new InvalidDataException($"{Path}: tensor '{name}' reaches element {needed} of a storage of {storage.shape[0]}");
        var view = storage.as_strided(r.Shape, r.Stride, r.Offset);
        if (--_pendingReads[r.Storage.Key] == 0)
        {
            // The view keeps the storage alive; drop our handle so memory goes with the view.
            _storages.Remove(r.Storage.Key);
            storage.Dispose();
        }
        return view;
    }

    /// <summary>
    /// Streams a tensor that is its whole storage (offset 0, contiguous, no other tensor views it, not read yet) into a
    /// contiguous target of its shape; false for anything else (tied or offset views go through <see cref="Read"/>).
    /// </summary>
    private bool ReadInto(RestrictedUnpickler.TensorRef r, Tensor target)
    {
        long numel = r.Shape.Aggregate(1L, (a, n) => a * n);
        bool wholeStorage = r.Offset == 0 && numel == r.Storage.ElementCount && IsContiguous(r.Shape, r.Stride);
        if (!wholeStorage || !target.is_contiguous() || target.device_type != DeviceType.CPU || _pendingReads[r.Storage.Key] != 1
            || _storages.ContainsKey(r.Storage.Key) || !_storageEntries.TryGetValue(r.Storage.Key, out var entry))
            return false;
        var dtype = TensorStreams.FromStorageType(r.Storage.StorageType);
        if (entry.Length != numel * TensorStreams.ElementSize(dtype))
            throw new InvalidDataException($"{Path}: storage data/{r.Storage.Key} has {entry.Length} bytes, expected {numel * TensorStreams.ElementSize(dtype)} (corrupt or truncated)");
        using var stream = entry.Open();
        TensorStreams.FillConverting(target, dtype, stream, Path);
        _pendingReads[r.Storage.Key] = 0;
        return true;
    }

    private static bool IsContiguous(long[] shape, long[] stride)
    {
        long expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    private Tensor Storage(RestrictedUnpickler.StorageRef s)
    {
        if (_storages.TryGetValue(s.Key, out var t)) return t;
        if (!_storageEntries.TryGetValue(s.Key, out var entry))
            throw new InvalidDataException($"{Path}: storage data/{s.Key} is missing from the archive");
        var dtype = TensorStreams.FromStorageType(s.StorageType);
        long bytes = s.ElementCount * TensorStreams.ElementSize(dtype);
        if (entry.Length != bytes)
            throw new InvalidDataException($"{Path}: storage data/{s.Key} has {entry.Length} bytes, expected {bytes} (corrupt or truncated)");
        t = empty(s.ElementCount, dtype).DetachFromDisposeScope();
        try
        {
            using var stream = entry.Open();
            TensorStreams.Fill(t, stream, Path);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(Path))
        {
            t.Dispose();
            throw new InvalidDataException($"{Path}: corrupt storage data/{s.Key} ({e.Message})", e);
        }
        _storages[s.Key] = t;
        return t;
    }

    public void Dispose()
    {
        foreach (var t in _storages.Values) t.Dispose();
        _storages.Clear();
        _zip.Dispose();
        _file.Dispose();
    }
}
