/**
 * Which Vulkan driver Dawn uses. Dawn reads VK_ICD_FILENAMES once, when it loads, so the choice
 * is made here and passed in each child's environment: the user's setting if there is one, else
 * the system's drivers (a real GPU), else SwiftShader, the CPU emulation Debian's chromium ships.
 */
import { existsSync } from 'node:fs';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export function childEnv(vulkanIcd: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
  if (vulkanIcd) env.VK_ICD_FILENAMES = vulkanIcd;
  return env;
}

/** The driver to try when the system's found no adapter, or null when there is none to try. */
export function vulkanFallback(): string | null {
  return process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD)
    ? SWIFTSHADER_ICD
    : null;
}

/** A runner's reason for not running that says Dawn found no adapter. */
export function isNoAdapter(reason: string | undefined): boolean {
  return reason?.startsWith('no WebGPU adapter') ?? false;
}
