/** Test helpers: build real Envoy CheckRequests and call a brain over gRPC. */
import * as grpc from '@grpc/grpc-js';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { loadGrpcPackage } from '../../../src/shared/proto/load.js';

export interface RequestSpec {
  principal?: string;
  srcIp?: string;
  dstIp?: string;
  dstPort?: number;
  host?: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  sni?: string;
  service?: string;
}

export const DEFAULT_PRINCIPAL = 'spiffe://cluster.local/ns/shop/sa/frontend';

/** A CheckRequest as Envoy's ext_authz filter fills it for an HTTP request on the waypoint. */
export function checkRequest(s: RequestSpec): Record<string, unknown> {
  const host = s.host ?? 'products.shop.svc.cluster.local:8080';
  const method = s.method ?? 'GET';
  const path = s.path ?? '/api/items';
  const headers = { ':authority': host, ':method': method, ':path': path, ...(s.headers ?? {}) };
  const principal = s.principal === undefined ? DEFAULT_PRINCIPAL : s.principal;
  return {
    attributes: {
      source: {
        address: { socket_address: { address: s.srcIp ?? '10.1.0.5', port_value: 43210 } },
        ...(principal ? { principal } : {}),
      },
      destination: { address: { socket_address: { address: s.dstIp ?? '10.96.0.10', port_value: s.dstPort ?? 8080 } } },
      request: { http: { id: '1', method, path, host, headers, scheme: 'http', protocol: 'HTTP/1.1' } },
      ...(s.service ? { context_extensions: { service: s.service } } : {}),
      ...(s.sni ? { tls_session: { sni: s.sni } } : {}),
    },
  };
}

export interface CheckReply {
  status: { code: number; message?: string };
  ok_response?: { response_headers_to_add?: { header: { key: string; value: string } }[]; headers_to_remove?: string[] };
  denied_response?: { status: { code: string }; body: string; headers?: { header: { key: string; value: string } }[] };
  dynamic_metadata?: { fields: Record<string, { stringValue?: string }> };
}

type AuthClient = grpc.Client & { Check(req: unknown, cb: (err: grpc.ServiceError | null, res: CheckReply) => void): void };

export function authClient(target: string): { check(req: Record<string, unknown>): Promise<CheckReply>; close(): void } {
  const pkg = loadGrpcPackage(['envoy/service/auth/v3/external_auth.proto']) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: new (t: string, c: grpc.ChannelCredentials) => AuthClient } } } };
  };
  const client = new pkg.envoy.service.auth.v3.Authorization(target, grpc.credentials.createInsecure());
  return {
    check: (req) => new Promise((resolve, reject) => client.Check(req, (err, res) => (err ? reject(err) : resolve(res)))),
    close: () => client.close(),
  };
}

/** An RSA signing key with its JWKS, for RequestAuthentication cases. */
export function jwtIssuer(kid = 'k1'): { jwks: string; token(claims: Record<string, unknown>, key?: KeyObject): string; otherKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return {
    jwks: JSON.stringify({ keys: [jwk] }),
    otherKey: other,
    token(claims, key = privateKey) {
      const h = Buffer.from(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' })).toString('base64url');
      const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
      const sig = sign('sha256', Buffer.from(`${h}.${p}`), key).toString('base64url');
      return `${h}.${p}.${sig}`;
    },
  };
}
