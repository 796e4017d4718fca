import { defineConfig } from 'vite';

// Cross-origin isolation: without these two headers the page gets no SharedArrayBuffer, and the
// CPU backend runs its WebAssembly kernels on one thread instead of one per core. Both the
// development server and `vite preview` send them; a production server must too.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
});
