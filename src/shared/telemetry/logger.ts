/**
 * Minimal structured logger: one JSON object per line. Created by a composition root and passed down; components
 * call `child()` to add their own fields (e.g. `{ component: 'ztunnel', node: 'node-a' }`).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const LOG_LEVELS = Object.keys(ORDER) as readonly LogLevel[];
export const isLogLevel = (v: string): v is LogLevel => (LOG_LEVELS as readonly string[]).includes(v);

/** A level that can change at run time (admin `/logging`), shared by a logger and every child made from it. */
export interface LevelControl {
  get(): LogLevel;
  set(level: LogLevel): void;
  /** Back to the level the process started with. */
  reset(): void;
}

export function createLevelControl(initial: LogLevel): LevelControl {
  let current = initial;
  return {
    get: () => current,
    set: (level) => void (current = level),
    reset: () => void (current = initial),
  };
}

export interface LoggerOptions {
  /** Fixed level (default info); ignored when `control` is given. */
  readonly level?: LogLevel;
  readonly control?: LevelControl;
  /** Where lines go; default process.stderr. */
  readonly write?: (line: string) => void;
  readonly fields?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const fixed = ORDER[opts.level ?? 'info'];
  const control = opts.control;
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const base = opts.fields ?? {};
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < (control ? ORDER[control.get()] : fixed)) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }, errorReplacer));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...opts, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (tests that don't care about logs). */
export const silentLogger: Logger = createLogger({ write: () => undefined });

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { message: value.message, name: value.name };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (value.cause !== undefined) out.cause = value.cause;
    return out;
  }
  return value;
}
