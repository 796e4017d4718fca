/**
 * How every browser test starts Chromium: vitest's browser projects (vitest.shared.ts), the demo
 * page's tests and the examples' tests, which drive it through playwright themselves.
 *
 * Debian's `chromium` is used instead of a browser downloaded by playwright: this machine reaches
 * only the npm registry and apt, and Debian's build ships SwiftShader, a Vulkan driver on the CPU,
 * so WebGPU works without a GPU. `CHROMIUM_PATH` points elsewhere where Chromium lives elsewhere.
 */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    // WebGPU is off by default on Linux; this enables it (SwiftShader here, a real adapter where
    // there is a GPU).
    '--enable-unsafe-webgpu',
    // CI runs as root, where Chromium refuses to start with its sandbox.
    '--no-sandbox',
    // Nothing outside this machine can be reached: keep Chromium from trying.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    // SwiftShader compiles shaders that zero workgroup memory through the driver's extension four
    // to ten times slower; with it off, the shader writes the zeros itself (see dawn.shared.ts).
    '--disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension',
  ],
};
