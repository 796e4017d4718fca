/**
 * Where `checkBackend` and `checkFixture` run their checks through core's ops: the recording
 * proxy of the backend under test, registered under a name of its own, `<name> (checked)`, so
 * that whatever the caller registered as `<name>` (a ready backend, or a plugin with its
 * priority) is left exactly as it was.
 */
import { type Backend, getBackend, registerBackend, setBackend } from '@stride/core';
import type { Recorder } from './recording.js';

/** The active backend's name, or null when none is active yet. */
export function activeBackendName(): string | null {
  try {
    return getBackend().name;
  } catch {
    return null;
  }
}

/**
 * Runs `fn` with `recorder`'s proxy registered and active as `<name> (checked)`; the backend that
 * was active before is active again afterwards (with none before, the proxy stays active).
 */
export async function withCheckedBackend<T>(
  recorder: Recorder,
  fn: () => T | Promise<T>,
): Promise<T> {
  const previous = activeBackendName();
  const checked: Backend = Object.create(recorder.backend, {
    name: { value: `${recorder.backend.name} (checked)`, enumerable: true },
  });
  registerBackend(checked);
  await setBackend(checked.name);
  try {
    return await fn();
  } finally {
    if (previous !== null) await setBackend(previous);
  }
}
