/**
 * Sticky canary assignment: a client keeps the same backend of an HTTPRoute's weighted split. The key (a header or
 * cookie named by the route's `ambit.dev/sticky-key` annotation) is hashed onto the cumulative weights, so the same
 * key always lands on the same backend and keys spread in proportion to the weights. Stateless, so every brain
 * replica and every restart agrees.
 */
import { createHash } from 'node:crypto';
import type { StickyRouteInput } from '../../shared/authz/wire.js';

/** Value of the sticky key in the request, or undefined (then Envoy's own weighted choice stands). */
export function stickyKeyValue(route: StickyRouteInput, headers: ReadonlyMap<string, string>): string | undefined {
  if (route.key.kind === 'header') return headers.get(route.key.name.toLowerCase()) || undefined;
  const cookie = headers.get('cookie');
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === route.key.name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** The backend for a key; undefined when the route has no positive weight. */
export function assignBackend(route: StickyRouteInput, key: string): string | undefined {
  const total = route.backends.reduce((s, b) => s + Math.max(0, b.weight), 0);
  if (total <= 0) return undefined;
  const digest = createHash('sha256').update(`${route.namespace}/${route.name}\0${key}`).digest();
  const point = digest.readUInt32BE(0) % total;
  let acc = 0;
  for (const b of route.backends) {
    acc += Math.max(0, b.weight);
    if (point < acc) return b.name;
  }
  return undefined;
}
