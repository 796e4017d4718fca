/**
 * What a file that is not safetensors is instead, from its first bytes, for the error message:
 * a PyTorch `.pt` file read as safetensors would otherwise report an absurd header length
 * (`PK\x03\x04…` read as a 64-bit number is about 5.8e17).
 */

const CONVERT =
  'Stride reads safetensors files, not PyTorch’s pickle format; convert the checkpoint in ' +
  'Python: safetensors.torch.save_file(model.state_dict(), "model.safetensors")';

const ASCII = new TextDecoder('latin1');

/** The first bytes as a string literal: printable ASCII as is, anything else as `\xNN`. */
export function showBytes(bytes: Uint8Array, count = 16): string {
  let out = '';
  for (const b of bytes.subarray(0, count)) {
    out +=
      b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `"${out}${bytes.length > count ? '…' : ''}"`;
}

/** A sentence saying which other format `bytes` is and what to do, or undefined if unknown. */
export function otherFormat(bytes: Uint8Array): string | undefined {
  const starts = (...signature: number[]) => signature.every((b, i) => bytes[i] === b);
  const head = showBytes(bytes, 4);
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    return `it is a zip archive (it starts with ${head}), as torch.save writes PyTorch checkpoints (.pt, .pth). ${CONVERT}`;
  }
  if (bytes[0] === 0x80 && (bytes[1] ?? 0) >= 2 && (bytes[1] ?? 0) <= 5) {
    return `it is a Python pickle (it starts with ${showBytes(bytes, 2)}), as torch.save wrote PyTorch checkpoints (.pt, .pth) before PyTorch 1.6. ${CONVERT}`;
  }
  if (starts(0x1f, 0x8b)) {
    return `it is gzip-compressed (it starts with ${showBytes(bytes, 2)}): decompress it first (gunzip, or zlib.gunzipSync in Node)`;
  }
  const text = ASCII.decode(bytes.subarray(0, 64)).trimStart().toLowerCase();
  if (text.startsWith('version https://git-lfs')) {
    return 'it is a Git LFS pointer, a small text file that stands for the real one: fetch the file itself (git lfs pull)';
  }
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) {
    return 'it is an HTML page (a download that returned a web page or an error page instead of the file?)';
  }
  return undefined;
}
