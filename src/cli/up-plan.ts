import { PORTS } from '../shared/constants.js';
import type { MeshSnapshot } from '../shared/model/mesh.js';

/** One process `ambit up` should be running, identified by `key`; a changed `args` means restart. */
export interface PlannedProcess {
  readonly key: string;
  /** Flags for Node itself, before the script (V8 tuning). */
  readonly nodeArgs: readonly string[];
  readonly args: readonly string[];
}

/**
 * ztunnels hold many mostly idle connections. A 1 MiB young generation (V8's default semi-space adds ~15 MB with
 * 1,000 connections) and `--optimize-for-size` (another ~2.5 MB, throughput unchanged within noise in A/B runs) keep
 * one well under 80 MB with 1,000 of them (docs/benchmarks.md). V8 takes these only at process start, and Node refuses
 * `--optimize-for-size` in NODE_OPTIONS, so they are arguments of the node command.
 */
export const ZTUNNEL_NODE_ARGS: readonly string[] = ['--max-semi-space-size=1', '--optimize-for-size'];

export interface UpPlanOptions {
  readonly stateDir: string;
  /** Where children reach the control plane's TLS gRPC port (CA + ADS), `host:port`. */
  readonly controlPlaneAddress: string;
  readonly logLevel: string;
  /** Extra Node flags for ztunnel children, after ZTUNNEL_NODE_ARGS (profiling, V8 tuning). */
  readonly ztunnelNodeArgs?: readonly string[];
}

/**
 * What local mode must run for a mesh snapshot: one ztunnel per Node (bound to its InternalIP) and one waypoint
 * (Envoy + brain) per waypoint Gateway that has an address. Pure, so it is unit-tested without processes.
 */
export function planProcesses(mesh: MeshSnapshot, opts: UpPlanOptions): Map<string, PlannedProcess> {
  const plan = new Map<string, PlannedProcess>();
  const common = ['--state-dir', opts.stateDir, '--log-level', opts.logLevel];
  const admins = new Set<string>();
  for (const node of [...mesh.nodes.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const key = `ztunnel/${node.name}`;
    const admin = adminEndpoint(node, admins);
    plan.set(key, {
      key,
      nodeArgs: [...ZTUNNEL_NODE_ARGS, ...(opts.ztunnelNodeArgs ?? [])],
      args: [
        'ztunnel',
        '--node', node.name,
        '--address', node.address,
        '--admin-address', admin.address,
        ...(admin.port !== PORTS.admin ? ['--admin-port', String(admin.port)] : []),
        '--xds-address', opts.controlPlaneAddress,
        '--ca-address', opts.controlPlaneAddress,
        ...common,
      ],
    });
  }
  for (const wp of [...mesh.waypoints.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    if (!wp.address) continue;
    const key = `waypoint/${wp.key}`;
    plan.set(key, {
      key,
      nodeArgs: [],
      args: ['waypoint', '--gateway', wp.key, '--address', wp.address, '--xds-address', opts.controlPlaneAddress, ...common],
    });
  }
  return plan;
}

/** Admin stays on loopback; in local mode every node address is a loopback address, so each ztunnel uses its own. */
export function defaultAdminAddress(nodeAddress: string): string {
  return /^127\./.test(nodeAddress) || nodeAddress === '::1' ? nodeAddress : '127.0.0.1';
}

/**
 * Where one ztunnel of `ambit up` serves admin (config_dump, which lists certificate chains): never on a routable
 * node address. A loopback node address keeps its own `:15000`. Nodes with other addresses share 127.0.0.1, so each
 * takes a port in 15100-15999 derived from its name: stable when other nodes come and go (a changed port would
 * restart that ztunnel), probing upwards on the rare clash. `taken` collects the endpoints already handed out.
 */
function adminEndpoint(node: { name: string; address: string }, taken: Set<string>): { address: string; port: number } {
  const address = defaultAdminAddress(node.address);
  let port = address === node.address ? PORTS.admin : ADMIN_PORT_BASE + (nameHash(node.name) % ADMIN_PORT_SPAN);
  while (taken.has(`${address}:${port}`)) port = ADMIN_PORT_BASE + ((port - ADMIN_PORT_BASE + 1) % ADMIN_PORT_SPAN);
  taken.add(`${address}:${port}`);
  return { address, port };
}

const ADMIN_PORT_BASE = 15100;
const ADMIN_PORT_SPAN = 900;

/** FNV-1a over the name's UTF-16 units: small, stable across runs and Node versions. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Differences between what runs and what should: keys to stop and processes to (re)start. */
export function diffPlans(
  running: ReadonlyMap<string, PlannedProcess>,
  wanted: ReadonlyMap<string, PlannedProcess>,
): { stop: string[]; start: PlannedProcess[] } {
  const stop: string[] = [];
  const start: PlannedProcess[] = [];
  for (const [key, p] of running) {
    const w = wanted.get(key);
    if (!w || !samePlan(w, p)) stop.push(key);
  }
  for (const [key, w] of wanted) {
    const p = running.get(key);
    if (!p || !samePlan(w, p)) start.push(w);
  }
  return { stop, start };
}

function samePlan(a: PlannedProcess, b: PlannedProcess): boolean {
  return [...a.nodeArgs, '--', ...a.args].join('\u0000') === [...b.nodeArgs, '--', ...b.args].join('\u0000');
}
