/**
 * Interop with a real Envoy 1.40 over ADS (Delta and SotW): it must ACK our pre-encoded responses, accept a Cluster we
 * serve, and finish initialisation when we answer a type nobody serves with an empty response.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TYPE_URLS } from '../../src/shared/constants.js';
import type { ResourceGenerator } from '../../src/control-plane/xds/generator.js';
import { makeResource } from '../../src/control-plane/xds/resource.js';
import { loadProtoRoot } from '../../src/shared/proto/load.js';
import { envoyOrSkip } from '../support/envoy.js';
import { HOST } from './harness.js';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { createXdsServer } from '../../src/control-plane/xds/server.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { mesh } from './mesh-factory.js';

/** One STATIC cluster per mesh version, encoded with Envoy's descriptors. */
function clusterGenerator(): ResourceGenerator {
  const Cluster = loadProtoRoot(['envoy/config/cluster/v3/cluster.proto']).lookupType('envoy.config.cluster.v3.Cluster');
  return {
    typeUrl: TYPE_URLS.cluster,
    perClient: true,
    generate(m) {
      const msg = Cluster.fromObject({ name: 'ambit-test', type: 'STATIC', connect_timeout: { seconds: 1 + m.version } });
      const r = makeResource('ambit-test', TYPE_URLS.cluster, Cluster.encode(msg).finish());
      return new Map([[r.name, r]]);
    },
  };
}

function bootstrap(port: number, apiType: 'GRPC' | 'DELTA_GRPC'): string {
  return JSON.stringify({
    node: { id: 'router~127.0.42.30~waypoint-test.default~default.svc.cluster.local', cluster: 'test' },
    admin: { address: { socket_address: { address: HOST, port_value: 0 } } },
    dynamic_resources: {
      ads_config: {
        api_type: apiType,
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }],
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [{
        name: 'xds',
        type: 'STATIC',
        connect_timeout: '1s',
        typed_extension_protocol_options: {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            explicit_http_config: { http2_protocol_options: {} },
          },
        },
        load_assignment: {
          cluster_name: 'xds',
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: HOST, port_value: port } } } }] }],
        },
      }],
    },
  });
}

async function until<T>(f: () => Promise<T | undefined> | T | undefined, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const apiType of ['DELTA_GRPC', 'GRPC'] as const) {
  test(`envoy ${apiType}: ACKs a served Cluster, initialises with an empty LDS answer`, async (t) => {
    const envoy = envoyOrSkip();
    if ('skip' in envoy) return t.skip(envoy.skip);
    const xds = createXdsServer({ generators: [clusterGenerator()], authenticate: () => ({ kind: 'local-debug' }), debounceMs: 0, registry: new Registry(), logger: silentLogger });
    const server = new grpc.Server();
    xds.register(server);
    const port = await new Promise<number>((res, rej) => server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    t.after(() => (xds.close(), server.forceShutdown()));
    xds.update(mesh(1, {}));

    const dir = mkdtempSync(join(tmpdir(), 'ambit-envoy-ads-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'bootstrap.json'), bootstrap(port, apiType));
    const adminPath = join(dir, 'admin');
    const proc = spawn(envoy.path, ['-c', join(dir, 'bootstrap.json'), '--admin-address-path', adminPath, '--base-id', String(4200 + (apiType === 'GRPC' ? 1 : 0)), '-l', 'warning'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    t.after(() => proc.kill('SIGKILL'));

    const admin = await until(() => (existsSync(adminPath) && readFileSync(adminPath, 'utf8').trim()) || undefined);
    const state = await until(async () => {
      const info = (await (await fetch(`http://${admin}/server_info`)).json()) as { state: string };
      return info.state === 'LIVE' ? info.state : undefined;
    });
    assert.equal(state, 'LIVE', stderr);
    const dump = (await (await fetch(`http://${admin}/config_dump?resource=dynamic_active_clusters`)).json()) as { configs: { cluster: { name: string; connect_timeout: string } }[] };
    assert.deepEqual(dump.configs.map((c) => c.cluster.name), ['ambit-test']);
    assert.equal(dump.configs[0]!.cluster.connect_timeout, '2s');
    const types = await until(() => {
      const c = (xds.debug() as any).clients[0];
      const acked = c?.types.filter((x: any) => x.state === 'acked') ?? [];
      return acked.length === 2 ? c.types : undefined;
    });
    assert.deepEqual(types.map((x: any) => x.typeUrl).sort(), [TYPE_URLS.cluster, TYPE_URLS.listener].sort());
    assert.equal(types.find((x: any) => x.typeUrl === TYPE_URLS.listener).served, false);

    // A change reaches Envoy and is ACKed.
    xds.update(mesh(2, {}));
    await until(async () => {
      const d = (await (await fetch(`http://${admin}/config_dump?resource=dynamic_active_clusters`)).json()) as typeof dump;
      return d.configs[0]?.cluster.connect_timeout === '3s' ? true : undefined;
    });
    await until(() => ((xds.debug() as any).clients[0].types.find((x: any) => x.typeUrl === TYPE_URLS.cluster).lastAckedVersion === '2' ? true : undefined));
    assert.equal((xds.debug() as any).clients[0].proxyType, 'waypoint');
  });
}
