/**
 * `ambit` command-line entry. Each subcommand lives in its own module exporting `run(args)`; modules are imported
 * lazily so `ambit ztunnel` never loads the control plane.
 */
const COMMANDS: Record<string, { module: string; summary: string }> = {
  up: { module: './up.js', summary: 'local mode: control plane + one ztunnel per Node + waypoints (Envoy + brain)' },
  controlplane: { module: './controlplane.js', summary: 'control plane: config store, mesh model, CA, xDS (15012/15010), admin (15014)' },
  ztunnel: { module: './ztunnel.js', summary: 'node proxy for one node: SOCKS5 (15080), HBONE (15008), plaintext inbound (15006)' },
  brain: { module: './brain.js', summary: 'waypoint brain: ext_authz, ext_proc and access-log service beside a waypoint Envoy' },
  waypoint: { module: './waypoint.js', summary: 'one waypoint: Envoy configured over xDS plus its brain' },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['Usage: ambit <command> [options]', '', 'Commands:', ...lines, '', 'Run `ambit <command> --help` for options.'].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(usage());
    return 0;
  }
  const entry = COMMANDS[cmd];
  if (!entry) {
    console.error(`ambit: unknown command "${cmd}"\n\n${usage()}`);
    return 2;
  }
  const mod = (await import(entry.module)) as { run: (args: readonly string[]) => Promise<number> };
  return mod.run(rest);
}
