/**
 * A stand-in for the waypoint brain on `<waypoint address>:15031`, enough to test the Envoy side of the contract:
 * ext_authz Check (records the headers, allows when `allow` says so) and ext_proc (answers request headers with
 * `x-ambit-backend: <pin>` + clear_route_cache).
 */
import * as grpc from '@grpc/grpc-js';
import { PORTS } from '../../../src/shared/constants.js';
import { loadGrpcPackage } from '../../../src/shared/proto/load.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface FakeBrain {
  /** Header maps of every ext_authz Check. */
  readonly checks: Record<string, string>[];
  readonly processed: number[];
  allow: (headers: Record<string, string>) => boolean;
  /** Backend name ext_proc pins requests to (undefined = no mutation). */
  pin: string | undefined;
  close(): Promise<void>;
}

export async function startFakeBrain(address: string): Promise<FakeBrain> {
  const pkg = loadGrpcPackage(['envoy/service/auth/v3/external_auth.proto', 'envoy/service/ext_proc/v3/external_processor.proto']) as Json;
  const server = new grpc.Server();
  const brain: FakeBrain = {
    checks: [],
    processed: [],
    allow: () => true,
    pin: undefined,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
  server.addService(pkg.envoy.service.auth.v3.Authorization.service, {
    Check(call: grpc.ServerUnaryCall<Json, Json>, cb: grpc.sendUnaryData<Json>) {
      const headers = (call.request.attributes?.request?.http?.headers ?? {}) as Record<string, string>;
      brain.checks.push(headers);
      cb(null, brain.allow(headers) ? { status: { code: 0 }, ok_response: {} } : { status: { code: 7 }, denied_response: { status: { code: 'Forbidden' }, body: 'denied by fake brain' } });
    },
  });
  server.addService(pkg.envoy.service.ext_proc.v3.ExternalProcessor.service, {
    Process(call: grpc.ServerDuplexStream<Json, Json>) {
      call.on('data', (req: Json) => {
        if (!req.request_headers) return;
        brain.processed.push(Date.now());
        const response: Json = { clear_route_cache: brain.pin !== undefined };
        if (brain.pin !== undefined) response.header_mutation = { set_headers: [{ header: { key: 'x-ambit-backend', raw_value: Buffer.from(brain.pin) } }] };
        call.write({ request_headers: { response } });
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`${address}:${PORTS.brainGrpc}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return brain;
}
