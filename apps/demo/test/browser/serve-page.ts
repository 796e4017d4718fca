import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The built demo page, served with the same headers as `pnpm demo`. */
    demoUrl: string;
  }
}

const configFile = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));

/**
 * Builds the page once with Vite, exactly as `pnpm --filter @stride/demo build:web` does, and
 * serves the build with `vite preview` (cross-origin isolation headers included) for every test
 * file of the project.
 */
export default async function servePage(project: TestProject): Promise<() => Promise<void>> {
  await build({ configFile, logLevel: 'warn' });
  // Port 0 is not "any port" for vite preview; from 4173 it moves to the next free one.
  const server = await preview({
    configFile,
    logLevel: 'warn',
    preview: { port: 4173, strictPort: false, open: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview started without a local URL');
  project.provide('demoUrl', url);
  return async () => {
    await server.close();
  };
}
