/** Policies and the request used by the Check benchmark. */
import type { AuthzPolicyInput } from '../../src/shared/authz/index.js';

export const SERVICE = 'shop/products.shop.svc.cluster.local';

/** Five policies on the request's service, of the kinds a real mesh has; the request passes all of them. */
export function relevantPolicies(): AuthzPolicyInput[] {
  const base = { namespace: 'shop', dryRun: false, services: [SERVICE] };
  return [
    { ...base, name: 'frontend-read', action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }], to: [{ operation: { methods: ['GET', 'HEAD'], paths: ['/api/*'] } }] }] },
    { ...base, name: 'ops', action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['ops'] } }] }] },
    { ...base, name: 'no-admin', action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] },
    { ...base, name: 'no-evil', action: 'DENY', rules: [{ from: [{ source: { ipBlocks: ['192.0.2.0/24'] } }] }] },
    { ...base, name: 'tenant', action: 'DENY', rules: [{ when: [{ key: 'request.headers[x-tenant]', values: ['blocked'] }] }] },
  ];
}

/** Policies for other services: they must not cost anything for this request. */
export function unrelatedPolicies(n: number): AuthzPolicyInput[] {
  return Array.from({ length: n }, (_, i) => ({
    namespace: `ns${i % 100}`,
    name: `p${i}`,
    action: i % 3 === 0 ? 'DENY' : 'ALLOW',
    dryRun: false,
    services: [`ns${i % 100}/svc${i}.ns${i % 100}.svc.cluster.local`],
    rules: [{ from: [{ source: { principals: [`cluster.local/ns/ns${i % 100}/sa/sa${i}`] } }], to: [{ operation: { methods: ['GET'], paths: [`/v${i}/*`] } }] }],
  }));
}

export function benchRequest(): Record<string, unknown> {
  const headers = { ':authority': 'products.shop.svc.cluster.local:9080', ':method': 'GET', ':path': '/api/items/42', 'user-agent': 'bench', 'x-request-id': 'abc', 'x-ambit-peer-principal': 'spiffe://cluster.local/ns/shop/sa/frontend' };
  return {
    attributes: {
      source: { address: { socket_address: { address: '10.1.0.5', port_value: 40000 } } },
      destination: { address: { socket_address: { address: '10.96.0.10', port_value: 9080 } } },
      request: { http: { id: '1', method: 'GET', path: '/api/items/42', host: 'products.shop.svc.cluster.local:9080', headers, scheme: 'http', protocol: 'HTTP/1.1' } },
      context_extensions: { service: SERVICE },
    },
  };
}
