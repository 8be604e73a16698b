import { parseArgs, type ParseArgsConfig } from 'node:util';

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/**
 * Parses `--flag value` options for a subcommand. Returns undefined after printing `help` when --help is given.
 * Unknown flags throw with a message naming the flag.
 */
export function parseCommandArgs(
  args: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
  help: string,
): OptionValues | undefined {
  const parsed = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean' } }, allowPositionals: false, strict: true });
  const values = parsed.values as OptionValues;
  if (values.help === true) {
    console.log(help);
    return undefined;
  }
  return values;
}

/** Reads a string option or its default. */
export function str(values: OptionValues, name: string, fallback: string): string {
  const v = values[name];
  return typeof v === 'string' ? v : fallback;
}

/** Reads a numeric option or its default, failing clearly on junk. */
export function num(values: OptionValues, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new Error(`--${name}: expected a number, got "${String(v)}"`);
  return n;
}
