/** Runs a real Envoy with a given bootstrap and waits until its admin endpoint reports LIVE. */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';

export interface EnvoyProcess {
  readonly logs: () => string;
  stop(): Promise<void>;
}

function adminGet(host: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

export async function startEnvoy(binary: string, bootstrap: object, admin: { host: string; port: number }): Promise<EnvoyProcess> {
  let out = '';
  const child: ChildProcess = spawn(binary, ['--config-yaml', JSON.stringify(bootstrap), '--disable-hot-restart', '-l', 'warning', '--concurrency', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`envoy exited (${child.exitCode}):\n${out}`);
    try {
      const r = await adminGet(admin.host, admin.port, '/ready');
      if (r.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`envoy not ready in 15s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    logs: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}
