/**
 * Where bootstrap tokens live: `<stateDir>/tokens/node-<node>.token` and
 * `<stateDir>/tokens/waypoint-<namespace>-<name>.token`, each holding one base64url token (mode 0600).
 */
import { join } from 'node:path';
import type { Caller } from './caller.js';

/** Kubernetes object names (DNS subdomain); refusing anything else keeps names from escaping the tokens folder. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function tokensDir(stateDir: string): string {
  return join(stateDir, 'tokens');
}

export function checkName(what: string, value: string): void {
  if (!NAME.test(value) || value.includes('..')) {
    throw new Error(`ambit auth: ${what} "${value}" is not a valid Kubernetes name (lowercase letters, digits, '-', '.')`);
  }
}

export function nodeTokenFile(node: string): string {
  return `node-${node}.token`;
}

export function waypointTokenFile(namespace: string, name: string): string {
  return `waypoint-${namespace}-${name}.token`;
}

/** Path of a node's token file (the composition root hands this to the node's ztunnel). */
export function nodeTokenPath(stateDir: string, node: string): string {
  checkName('node name', node);
  return join(tokensDir(stateDir), nodeTokenFile(node));
}

/** Path of a waypoint's token file. */
export function waypointTokenPath(stateDir: string, namespace: string, name: string): string {
  checkName('namespace', namespace);
  checkName('waypoint name', name);
  return join(tokensDir(stateDir), waypointTokenFile(namespace, name));
}

/**
 * The caller a token file name stands for. `waypoint-<ns>-<name>` is ambiguous when the namespace holds '-', so
 * names registered in this process (`known`, file name → caller) win; otherwise the namespace is taken to end at the
 * first '-'. The control plane registers every waypoint it knows at start-up, so the fallback is rarely used.
 */
export function callerForFile(file: string, known: ReadonlyMap<string, Caller>): Caller | undefined {
  const hit = known.get(file);
  if (hit) return hit;
  const node = /^node-(.+)\.token$/.exec(file);
  if (node) return { kind: 'node', node: node[1]! };
  const wp = /^waypoint-([^-]+)-(.+)\.token$/.exec(file);
  if (wp) return { kind: 'waypoint', namespace: wp[1]!, name: wp[2]! };
  return undefined;
}
