/**
 * Minimal Delta and SotW ADS clients for tests that assert protocol invariants on every response, as
 * go-control-plane's mockStream does: fresh nonces, non-decreasing versions, unique names, removals only of held names.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { loadGrpcPackage } from '../../src/shared/proto/load.js';

type Ctor = grpc.ServiceClientConstructor;
function adsCtor(): Ctor {
  const pkg = loadGrpcPackage(['envoy/service/discovery/v3/ads.proto']) as any;
  return pkg.envoy.service.discovery.v3.AggregatedDiscoveryService as Ctor;
}

export interface Stream<Res> {
  send(req: Record<string, unknown>): void;
  /** Next response, or throws after `timeoutMs`. */
  next(timeoutMs?: number): Promise<Res>;
  /** Resolves to undefined if no response comes within `ms`, else the response. */
  quiet(ms: number): Promise<Res | undefined>;
  /** Resolves with the status the stream ended with. */
  readonly ended: Promise<grpc.StatusObject | grpc.ServiceError>;
  close(): void;
}

function openStream<Res>(
  address: string,
  method: 'DeltaAggregatedResources' | 'StreamAggregatedResources',
  check: (res: Res) => void,
  token?: string,
): Stream<Res> {
  const client = new (adsCtor())(address, grpc.credentials.createInsecure()) as any;
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  const call: grpc.ClientDuplexStream<unknown, Res> = client[method](md);
  const queue: Res[] = [];
  const waiters: ((r: Res) => void)[] = [];
  let failure: Error | undefined;
  call.on('data', (res: Res) => {
    try {
      check(res);
    } catch (err) {
      failure = err as Error;
    }
    const w = waiters.shift();
    if (w) w(res);
    else queue.push(res);
  });
  const ended = new Promise<grpc.StatusObject | grpc.ServiceError>((resolve) => {
    call.on('error', (e: grpc.ServiceError) => resolve(e));
    call.on('status', (s: grpc.StatusObject) => {
      if (s.code === grpc.status.OK) resolve(s);
    });
  });
  const take = (timeoutMs: number): Promise<Res | undefined> => {
    if (failure) throw failure;
    const q = queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        const i = waiters.indexOf(fn);
        if (i >= 0) waiters.splice(i, 1);
        resolve(undefined);
      }, timeoutMs);
      const fn = (r: Res): void => {
        clearTimeout(t);
        resolve(r);
      };
      waiters.push(fn);
    });
  };
  return {
    send: (req) => void call.write(req),
    async next(timeoutMs = 3000) {
      const r = await take(timeoutMs);
      if (failure) throw failure;
      assert.ok(r, `no ${method} response within ${timeoutMs} ms`);
      return r;
    },
    async quiet(ms) {
      const r = await take(ms);
      if (failure) throw failure;
      return r;
    },
    ended,
    close() {
      call.cancel();
      client.close();
    },
  };
}

export interface DeltaResponse {
  system_version_info: string;
  type_url: string;
  nonce: string;
  resources: { name: string; version: string; resource: { type_url: string; value: Buffer }; aliases?: string[] }[];
  removed_resources: string[];
}

export interface DeltaTestClient extends Stream<DeltaResponse> {
  /** name → version the client holds, per type URL. */
  readonly held: Map<string, Map<string, string>>;
  ack(res: DeltaResponse): void;
}

export function deltaClient(address: string, token?: string): DeltaTestClient {
  const nonces = new Set<string>();
  const lastVersion = new Map<string, number>();
  const held = new Map<string, Map<string, string>>();
  const check = (res: DeltaResponse): void => {
    // proto-loader leaves empty repeated fields undefined (defaults: false).
    res.resources ??= [];
    res.removed_resources ??= [];
    assert.ok(res.nonce, 'every response has a nonce');
    assert.ok(!nonces.has(res.nonce), `nonce ${res.nonce} reused`);
    nonces.add(res.nonce);
    const v = Number(res.system_version_info);
    assert.ok(v >= (lastVersion.get(res.type_url) ?? 0), 'versions never go backwards');
    lastVersion.set(res.type_url, v);
    const h = held.get(res.type_url) ?? new Map<string, string>();
    held.set(res.type_url, h);
    const names = new Set<string>();
    for (const r of res.resources ?? []) {
      assert.ok(!names.has(r.name), `duplicate resource ${r.name} in one response`);
      names.add(r.name);
      assert.equal(r.resource.type_url, res.type_url, 'resource type matches response type');
      assert.notEqual(h.get(r.name), r.version, `${r.name}@${r.version} re-sent although the client holds it`);
      h.set(r.name, r.version);
    }
    for (const n of res.removed_resources ?? []) {
      assert.ok(h.has(n), `removed ${n} was never sent`);
      h.delete(n);
    }
  };
  const s = openStream<DeltaResponse>(address, 'DeltaAggregatedResources', check, token);
  return { ...s, held, ack: (res) => s.send({ type_url: res.type_url, response_nonce: res.nonce }) };
}

export interface SotwResponse {
  version_info: string;
  type_url: string;
  nonce: string;
  resources: { type_url: string; value: Buffer }[];
}

export function sotwClient(address: string): Stream<SotwResponse> {
  const nonces = new Set<string>();
  const check = (res: SotwResponse): void => {
    res.resources ??= [];
    assert.ok(res.nonce && !nonces.has(res.nonce), 'fresh nonce');
    nonces.add(res.nonce);
    for (const r of res.resources ?? []) assert.equal(r.type_url, res.type_url);
  };
  return openStream<SotwResponse>(address, 'StreamAggregatedResources', check);
}
