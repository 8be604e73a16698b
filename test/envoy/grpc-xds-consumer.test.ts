/**
 * @grpc/grpc-js-xds as a second, independent xDS consumer: proxyless gRPC clients read the same route
 * configurations (GAMMA HTTPRoute → weighted clusters) from our xDS server and split RPCs by weight.
 */
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createProxylessGenerators } from '../../src/control-plane/translate/envoy/index.js';
import { createXdsServer, type XdsServer } from '../../src/control-plane/xds/server.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { backend, buildTestMesh, httpRoute } from './support/mesh-fixture.js';

const GRPC = [{ port: 50051, targetPort: 50051, appProtocol: 'grpc' }];
const V1 = { name: 'greeter-v1', ip: '127.0.27.1', nodeAddress: '127.0.27.100' };
const V2 = { name: 'greeter-v2', ip: '127.0.27.2', nodeAddress: '127.0.27.100' };
const METHOD = '/ambit.test.Greeter/Who';
const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };

const mesh = buildTestMesh({
  version: 1,
  waypoint: { namespace: 'default', name: 'waypoint', address: '127.0.27.200' },
  services: [
    { name: 'greeter', vip: '10.98.0.1', ports: GRPC, endpoints: [V1, V2] },
    { name: 'greeter-v1', vip: '10.98.0.2', ports: GRPC, endpoints: [V1], bound: false },
    { name: 'greeter-v2', vip: '10.98.0.3', ports: GRPC, endpoints: [V2], bound: false },
  ],
  routes: [httpRoute('default', 'greeter', 'greeter', [{ backendRefs: [backend('greeter-v1', 50051, 90), backend('greeter-v2', 50051, 10)] }])],
});

async function startGreeter(address: string, name: string): Promise<grpc.Server> {
  const server = new grpc.Server();
  const def: grpc.ServiceDefinition = {
    Who: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
  };
  server.addService(def, { Who: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(name)) });
  await new Promise<void>((resolve, reject) => server.bindAsync(`${address}:50051`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return server;
}

describe('grpc-js-xds consumes our route/cluster/endpoint resources', () => {
  let xds: XdsServer;
  let xdsServer: grpc.Server;
  let greeters: grpc.Server[];
  let client: grpc.Client;

  before(async () => {
    grpcXds.register();
    greeters = [await startGreeter(V1.ip, 'v1'), await startGreeter(V2.ip, 'v2')];
    xds = createXdsServer({ generators: createProxylessGenerators(), authenticate: () => ({ kind: 'local-debug' }), debounceMs: 0, registry: new Registry(), logger: silentLogger });
    xdsServer = new grpc.Server();
    xds.register(xdsServer);
    const port = await new Promise<number>((resolve, reject) => xdsServer.bindAsync('127.0.20.3:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    xds.update(mesh);
    const bootstrap = {
      xds_servers: [{ server_uri: `127.0.20.3:${port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'proxyless~127.0.27.50~test-client.default~default.svc.cluster.local', locality: {} },
    };
    client = new grpc.Client('xds:///greeter.default.svc.cluster.local:50051', grpc.credentials.createInsecure(), {
      'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap),
    });
  });

  after(() => {
    client?.close();
    xds?.close();
    xdsServer?.forceShutdown();
    for (const g of greeters ?? []) g.forceShutdown();
  });

  it('splits 1,000 RPCs 90/10 (within ±3 points)', async () => {
    const call = (): Promise<string> =>
      new Promise((resolve, reject) =>
        client.makeUnaryRequest(METHOD, raw.serialize, raw.deserialize, Buffer.alloc(0), { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res!.toString()))),
      );
    const counts: Record<string, number> = {};
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, call));
      for (const a of answers) counts[a] = (counts[a] ?? 0) + 1;
    }
    const v2Share = ((counts.v2 ?? 0) / 1000) * 100;
    assert.equal((counts.v1 ?? 0) + (counts.v2 ?? 0), 1000);
    assert.ok(Math.abs(v2Share - 10) <= 3, `v2 got ${v2Share}% (${JSON.stringify(counts)})`);
  });
});
