/**
 * The safetensors reader and writer that every generated file carries, so that it needs nothing
 * beyond PyTorch (Debian 12, for one, packages no `safetensors` module for Python). The layout is
 * the one Stride's `encodeSafetensors` writes and reads (as packages/core/scripts/
 * safetensors_cross_check.py does it): an 8-byte little-endian header length, a JSON header
 * padded with spaces to a multiple of 8, then the tensors' little-endian bytes, sorted widest
 * element first, then by name.
 */
export const SAFETENSORS_PY = `_SAFETENSORS_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


def load_safetensors(path):
    """Reads a safetensors file (as Stride's saveSafetensors writes it) into a state dict."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, too short for a safetensors file")
    (size,) = struct.unpack_from("<Q", data, 0)
    if 8 + size > len(data):
        raise ValueError(f"{path}: the header ({size} bytes) runs past the end of the file")
    header = json.loads(data[8 : 8 + size].decode("utf-8"))
    header.pop("__metadata__", None)
    body = data[8 + size :]
    state = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        if not 0 <= begin <= end <= len(body):
            raise ValueError(f"{path}: {name} lies outside the data ({begin}..{end} of {len(body)})")
        dtype = _SAFETENSORS_DTYPES[info["dtype"]]
        if end > begin:
            flat = torch.frombuffer(bytearray(body[begin:end]), dtype=dtype)
        else:
            flat = torch.empty(0, dtype=dtype)
        state[name] = flat.reshape(info["shape"])
    return state


def save_safetensors(state_dict, path, metadata=None):
    """Writes tensors by name (a state dict) as a safetensors file that Stride reads."""
    tags = {dtype: tag for tag, dtype in _SAFETENSORS_DTYPES.items()}
    tensors = {name: t.detach().cpu().contiguous() for name, t in state_dict.items()}
    order = sorted(tensors, key=lambda name: (-tensors[name].element_size(), name))
    header = {"__metadata__": dict(metadata)} if metadata else {}
    chunks, offset = [], 0
    for name in order:
        t = tensors[name]
        raw = t.numpy().tobytes() if t.numel() > 0 else b""
        header[name] = {
            "dtype": tags[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
`;
