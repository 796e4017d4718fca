import { h } from './dom.js';

/** Hands `bytes` to the browser as a download named `name`. */
export function save(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(
    new Blob([bytes as BlobPart], { type: 'application/octet-stream' }),
  );
  const a = h('a', { href: url, download: name });
  a.click();
  // The click starts the download; the URL may go once the browser has taken it.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
