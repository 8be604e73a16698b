import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../telemetry/logger.js';

/** Lifecycle of one supervised child, as a discriminated union. */
export type ProcessState =
  | { readonly kind: 'starting' }
  | { readonly kind: 'running'; readonly pid: number; readonly since: number }
  | { readonly kind: 'backoff'; readonly restarts: number; readonly lastExit: string }
  | { readonly kind: 'stopping' }
  | { readonly kind: 'stopped' };

export interface SupervisedProcessOptions {
  /** Label used in logs and as the prefix of forwarded output lines. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Restart delay grows from this (ms), doubling up to 10 s. Default 250. */
  readonly initialBackoffMs?: number;
  /** Grace period before SIGKILL on stop (ms). Default 5000. */
  readonly stopTimeoutMs?: number;
  /** Receives every output line of the child (default: written to stderr with a `[name]` prefix). */
  readonly onLine?: (line: string) => void;
}

export interface SupervisedProcess {
  readonly name: string;
  state(): ProcessState;
  start(): void;
  /** Stops the child (SIGTERM, then SIGKILL after the grace period) and disables restarts. */
  stop(): Promise<void>;
}

/**
 * Runs a child process and restarts it with exponential backoff when it exits unexpectedly. Used by `ambit up` for
 * ztunnels and waypoints, so one crashing proxy never takes the local mesh down.
 */
export function createSupervisedProcess(opts: SupervisedProcessOptions, logger: Logger): SupervisedProcess {
  const log = logger.child({ process: opts.name });
  const initialBackoff = opts.initialBackoffMs ?? 250;
  const onLine = opts.onLine ?? ((line: string) => process.stderr.write(`[${opts.name}] ${line}\n`));
  let state: ProcessState = { kind: 'stopped' };
  let child: ChildProcess | undefined;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let wanted = false;

  const launch = (): void => {
    state = { kind: 'starting' };
    const c = spawn(opts.command, [...opts.args], { ...(opts.env ? { env: opts.env } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    for (const stream of [c.stdout, c.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', onLine);
    }
    c.once('spawn', () => {
      state = { kind: 'running', pid: c.pid ?? -1, since: Date.now() };
      log.info('process started', { pid: c.pid });
    });
    c.once('error', (err) => log.error('process failed to start', { err }));
    c.once('exit', (code, signal) => {
      child = undefined;
      const lastExit = signal ? `signal ${signal}` : `code ${String(code)}`;
      if (!wanted) {
        state = { kind: 'stopped' };
        return;
      }
      // A child that ran for a while earns a fresh backoff.
      const ranMs = state.kind === 'running' ? Date.now() - state.since : 0;
      if (ranMs > 30_000) restarts = 0;
      restarts += 1;
      const delay = Math.min(initialBackoff * 2 ** (restarts - 1), 10_000);
      state = { kind: 'backoff', restarts, lastExit };
      log.warn('process exited; restarting', { lastExit, delayMs: delay, restarts });
      timer = setTimeout(launch, delay);
    });
  };

  return {
    name: opts.name,
    state: () => state,
    start() {
      if (wanted) return;
      wanted = true;
      launch();
    },
    async stop() {
      wanted = false;
      if (timer) clearTimeout(timer);
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) {
        state = { kind: 'stopped' };
        return;
      }
      state = { kind: 'stopping' };
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      const killTimer = setTimeout(() => c.kill('SIGKILL'), opts.stopTimeoutMs ?? 5000);
      await exited;
      clearTimeout(killTimer);
      state = { kind: 'stopped' };
    },
  };
}
