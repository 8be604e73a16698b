/**
 * One gRPC server carrying the three Envoy-facing services: ext_authz Check, ext_proc Process and the access-log
 * stream. Plaintext, because it listens beside its Envoy only (waypoint address or a unix socket).
 */
import * as grpc from '@grpc/grpc-js';
import { loadGrpcPackage } from '../../shared/proto/load.js';
import { ENVOY_SERVICE_PROTOS } from './constants.js';
import type { CheckHandler } from './authz-service.js';
import type { CheckRequestMessage } from './check-request.js';

type Svc = { service: grpc.ServiceDefinition };
interface EnvoyServices {
  envoy: {
    service: {
      auth: { v3: { Authorization: Svc } };
      ext_proc: { v3: { ExternalProcessor: Svc } };
      accesslog: { v3: { AccessLogService: Svc } };
    };
  };
}

export interface GrpcHandlers {
  readonly check: CheckHandler;
  readonly process: grpc.handleBidiStreamingCall<never, never>;
  readonly streamAccessLogs: grpc.handleClientStreamingCall<never, never>;
}

export interface BrainGrpcServer {
  /** Binds `host:port` (port 0 = any) or `unix:/path`; resolves with the bound port (0 for unix sockets). */
  listen(target: string): Promise<number>;
  close(): Promise<void>;
}

export function createBrainGrpcServer(h: GrpcHandlers): BrainGrpcServer {
  const pkg = loadGrpcPackage([...ENVOY_SERVICE_PROTOS]) as unknown as EnvoyServices;
  const server = new grpc.Server({ 'grpc.max_concurrent_streams': 1000 });
  const s = pkg.envoy.service;
  const check: grpc.handleUnaryCall<CheckRequestMessage, unknown> = (call, cb) => {
    try {
      cb(null, h.check.check(call.request));
    } catch (e) {
      cb({ code: grpc.status.INTERNAL, details: `ambit brain: check failed: ${(e as Error).message}` });
    }
  };
  server.addService(s.auth.v3.Authorization.service, { Check: check } as grpc.UntypedServiceImplementation);
  server.addService(s.ext_proc.v3.ExternalProcessor.service, { Process: h.process } as grpc.UntypedServiceImplementation);
  server.addService(s.accesslog.v3.AccessLogService.service, { StreamAccessLogs: h.streamAccessLogs } as grpc.UntypedServiceImplementation);
  return {
    listen: (target) =>
      new Promise((resolve, reject) => {
        server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
      }),
    close: () =>
      new Promise((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
