/**
 * ext_proc `Process` stream handler for sticky canary routing. Envoy is configured to send request headers only; the
 * brain answers with `x-ambit-backend: <backendRef>` and `clear_route_cache` so Envoy re-picks the per-backend route,
 * and asks (mode_override) to skip every later phase. Any other phase that does arrive is answered with an empty
 * CONTINUE so the stream never stalls.
 */
import type * as grpc from '@grpc/grpc-js';
import { EXT_PROC_HEADERS_ONLY_MODE } from '../../shared/constants.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { BACKEND_HEADER } from './constants.js';
import type { BrainMetrics } from './metrics.js';
import type { PolicyStore } from './policy-store.js';
import { assignBackend, stickyKeyValue } from './sticky.js';
import type { ServiceResolver } from './service-resolver.js';

interface HeaderValue {
  readonly key?: string;
  readonly value?: string;
  readonly raw_value?: Uint8Array;
}
export interface ProcessingRequestMessage {
  readonly request_headers?: { readonly headers?: { readonly headers?: readonly HeaderValue[] } };
  readonly [phase: string]: unknown;
}

const PHASES = ['request_headers', 'response_headers', 'request_body', 'response_body', 'request_trailers', 'response_trailers'] as const;

const SKIP_REST = EXT_PROC_HEADERS_ONLY_MODE;

export interface ExtProcDeps {
  readonly store: PolicyStore;
  readonly metrics: BrainMetrics;
  readonly logger: Logger;
  readonly resolveService?: ServiceResolver;
}

function headerMap(list: readonly HeaderValue[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const h of list) {
    if (!h.key) continue;
    const v = h.raw_value && h.raw_value.length > 0 ? Buffer.from(h.raw_value).toString('latin1') : (h.value ?? '');
    out.set(h.key.toLowerCase(), v);
  }
  return out;
}

/** The ProcessingResponse for one request-headers message (exported for unit tests). */
export function respondToHeaders(deps: ExtProcDeps, headers: ReadonlyMap<string, string>): Record<string, unknown> {
  const state = deps.store.current();
  const host = headers.get(':authority') ?? headers.get('host') ?? '';
  const service = deps.resolveService ? deps.resolveService(state, host) : state.serviceForHost(host);
  const route = state.stickyFor(service);
  const key = route ? stickyKeyValue(route, headers) : undefined;
  const backend = route && key !== undefined ? assignBackend(route, key) : undefined;
  const response: Record<string, unknown> = { status: 'CONTINUE' };
  if (route && backend) {
    deps.metrics.stickyAssignments.inc({ route: `${route.namespace}/${route.name}`, backend });
    response.header_mutation = {
      set_headers: [{ header: { key: BACKEND_HEADER, raw_value: Buffer.from(backend) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
    };
    response.clear_route_cache = true;
  }
  return { request_headers: { response }, mode_override: SKIP_REST };
}

export function createProcessHandler(deps: ExtProcDeps) {
  return (call: grpc.ServerDuplexStream<ProcessingRequestMessage, Record<string, unknown>>): void => {
    call.on('data', (msg: ProcessingRequestMessage) => {
      if (msg.request_headers) {
        call.write(respondToHeaders(deps, headerMap(msg.request_headers.headers?.headers ?? [])));
        return;
      }
      const phase = PHASES.find((p) => msg[p] !== undefined && msg[p] !== null);
      if (phase) call.write({ [phase]: {} });
    });
    call.on('end', () => call.end());
    call.on('error', (e) => deps.logger.debug('ext_proc stream error', { error: e }));
  };
}
