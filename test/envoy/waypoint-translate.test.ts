/** Waypoint translation on plain mesh objects: chain layout, policy-driven filters, sticky routes, problems, status. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWaypointGenerators, translateWaypoint, waypointKeyOf } from '../../src/control-plane/translate/envoy/index.js';
import { httpRouteStatuses, waypointStatuses } from '../../src/control-plane/status/index.js';
import { ANNOTATIONS, TYPE_URLS } from '../../src/shared/constants.js';
import type { MeshPolicy, MeshSnapshot } from '../../src/shared/model/mesh.js';
import { backend, buildTestMesh, httpRoute } from './support/mesh-fixture.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WP = { namespace: 'default', name: 'waypoint', address: '127.0.29.1' };
const E = (name: string, ip: string) => ({ name, ip, nodeAddress: '127.0.29.100' });
const HTTP = [{ port: 80, targetPort: 8080, appProtocol: 'http' }];

function mesh(routes = [] as ReturnType<typeof httpRoute>[], policies: MeshPolicy[] = []): MeshSnapshot {
  return buildTestMesh({
    version: 1,
    waypoint: WP,
    services: [
      { name: 'web', vip: '10.0.0.1', ports: HTTP, endpoints: [E('web-1', '10.1.0.1')] },
      { name: 'web-canary', vip: '10.0.0.2', ports: HTTP, endpoints: [E('web-2', '10.1.0.2')], bound: false },
      { name: 'api', vip: '10.0.0.3', ports: HTTP, endpoints: [E('api-1', '10.1.0.3')] },
      { name: 'db', vip: '10.0.0.4', ports: [{ port: 5432, targetPort: 5432, appProtocol: 'tcp' }], endpoints: [E('db-1', '10.1.0.4')] },
      { name: 'misc', vip: '10.0.0.5', ports: [{ port: 9000, targetPort: 9000 }], endpoints: [E('misc-1', '10.1.0.5')] },
    ],
    routes,
    policies,
  });
}

function chains(m: MeshSnapshot): Json[] {
  const cfg = translateWaypoint(m, m.waypoints.get('default/waypoint')!);
  return (cfg.listeners.find((l) => l.name === 'main_internal') as Json).filter_chains;
}

function filterNames(chain: Json): string[] {
  return chain.filters[0].typed_config.http_filters.map((f: Json) => f.name);
}

const policy = (services: string[]): MeshPolicy => ({
  key: 'default/deny', name: 'deny', namespace: 'default', scope: { kind: 'targetRefs', namespace: 'default', refs: [] }, dryRun: false,
  object: {} as MeshPolicy['object'], workloads: [], waypoints: ['default/waypoint'], services,
});

describe('waypoint translation', () => {
  it('lays out one HTTP chain per HTTP port, one TCP chain per TCP port and both (sniffed) for unknown protocols', () => {
    const byName = Object.fromEntries(chains(mesh()).map((c) => [c.name, c.filter_chain_match]));
    assert.deepEqual(Object.keys(byName).sort(), [
      'inbound-vip|5432|tcp|db.default.svc.cluster.local',
      'inbound-vip|80|http|api.default.svc.cluster.local',
      'inbound-vip|80|http|web.default.svc.cluster.local',
      'inbound-vip|9000|http|misc.default.svc.cluster.local',
      'inbound-vip|9000|tcp|misc.default.svc.cluster.local',
    ]);
    assert.deepEqual(byName['inbound-vip|80|http|web.default.svc.cluster.local'], { destination_port: 80, prefix_ranges: [{ address_prefix: '10.0.0.1', prefix_len: 32 }] });
    assert.deepEqual(byName['inbound-vip|9000|http|misc.default.svc.cluster.local'].application_protocols, ['http/1.1', 'h2c']);
  });

  it('adds ext_authz only to services governed by an L7 policy of this waypoint', () => {
    const m = mesh([], [policy(['default/api.default.svc.cluster.local'])]);
    const filters = Object.fromEntries(chains(m).filter((c) => c.name.includes('|http|')).map((c) => [c.name, filterNames(c)]));
    assert.deepEqual(filters['inbound-vip|80|http|api.default.svc.cluster.local'], ['ambit.peer_headers', 'envoy.filters.http.ext_authz', 'envoy.filters.http.router']);
    assert.deepEqual(filters['inbound-vip|80|http|web.default.svc.cluster.local'], ['ambit.peer_headers', 'envoy.filters.http.router']);
    const all = Object.values(Object.fromEntries(chains(mesh([], [policy([])])).filter((c) => c.name.includes('|http|')).map((c) => [c.name, filterNames(c)])));
    assert.ok(all.every((f) => (f as string[]).includes('envoy.filters.http.ext_authz')));
  });

  it('sticky HTTPRoutes get ext_proc and one pinned route per backend before the weighted route', () => {
    const sticky = httpRoute('default', 'web', 'web', [{ backendRefs: [backend('web', 80, 90), backend('web-canary', 80, 10)] }], { [ANNOTATIONS.stickyKey]: 'x-user' });
    const m = mesh([sticky]);
    const web = chains(m).find((c) => c.name === 'inbound-vip|80|http|web.default.svc.cluster.local')!;
    assert.ok(filterNames(web).includes('envoy.filters.http.ext_proc'));
    const rc = translateWaypoint(m, m.waypoints.get('default/waypoint')!).routes.find((r) => r.name === web.name) as Json;
    const routes = rc.virtual_hosts[0].routes as Json[];
    assert.deepEqual(routes.map((r) => r.name), ['default.web.0.0.sticky.web', 'default.web.0.0.sticky.web-canary', 'default.web.0.0']);
    assert.deepEqual(routes[1]!.match.headers, [{ name: 'x-ambit-backend', string_match: { exact: 'web-canary' } }]);
    assert.equal(routes[1]!.route.cluster, 'inbound-vip|80|http|web-canary.default.svc.cluster.local');
    assert.deepEqual(routes[2]!.route.weighted_clusters.clusters.map((c: Json) => [c.name, c.weight]), [
      ['inbound-vip|80|http|web.default.svc.cluster.local', 90],
      ['inbound-vip|80|http|web-canary.default.svc.cluster.local', 10],
    ]);
  });

  it('orders routes by Gateway API precedence across rules', () => {
    const r = httpRoute('default', 'web', 'web', [
      { matches: [{ path: { type: 'PathPrefix', value: '/a' }, headers: [], queryParams: [] }], backendRefs: [backend('web', 80)] },
      { matches: [{ path: { type: 'PathPrefix', value: '/a/b/' }, headers: [], queryParams: [] }], backendRefs: [backend('web', 80)] },
      { matches: [{ path: { type: 'Exact', value: '/a' }, headers: [], queryParams: [] }], backendRefs: [backend('web', 80)] },
    ]);
    const m = mesh([r]);
    const rc = translateWaypoint(m, m.waypoints.get('default/waypoint')!).routes.find((x) => String(x.name).includes('|web.')) as Json;
    assert.deepEqual(rc.virtual_hosts[0].routes.map((x: Json) => x.match), [{ path: '/a' }, { path_separated_prefix: '/a/b' }, { path_separated_prefix: '/a' }]);
  });

  it('ranks a header match above a catch-all rule whether or not either has an explicit path', () => {
    const r = httpRoute('default', 'web', 'web', [
      { backendRefs: [backend('web', 80)] },
      { matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }], backendRefs: [backend('web', 80)] },
      { matches: [{ headers: [{ type: 'Exact', name: 'x-canary', value: 'yes' }], queryParams: [] }], backendRefs: [backend('web-canary', 80)] },
    ]);
    const m = mesh([r]);
    const rc = translateWaypoint(m, m.waypoints.get('default/waypoint')!).routes.find((x) => String(x.name).includes('|web.')) as Json;
    assert.deepEqual(rc.virtual_hosts[0].routes.map((x: Json) => x.name), ['default.web.2.0', 'default.web.0.0', 'default.web.1.0']);
  });

  it('reports a missing backend on the HTTPRoute (ResolvedRefs=False) and answers 500 instead of routing', () => {
    const r = httpRoute('default', 'web', 'web', [{ backendRefs: [backend('nope', 80)] }]);
    const m = mesh([r]);
    const cfg = translateWaypoint(m, m.waypoints.get('default/waypoint')!);
    assert.deepEqual(cfg.problems, [{ kind: 'HTTPRoute', key: 'default/web', reason: 'BackendNotFound', message: 'backendRef Service default/nope not found' }]);
    const rc = cfg.routes.find((x) => String(x.name).includes('|web.')) as Json;
    assert.deepEqual(rc.virtual_hosts[0].routes[0].direct_response, { status: 500 });
    const [status] = httpRouteStatuses(m);
    assert.deepEqual(status!.parents[0]!.conditions.map((c) => [c.type, c.status, c.reason]), [['Accepted', 'True', 'Accepted'], ['ResolvedRefs', 'False', 'BackendNotFound']]);
  });

  it('leaves out matches RE2 cannot compile, answers 500 for all-zero weights, and reports VIP conflicts', () => {
    const r = httpRoute('default', 'web', 'web', [
      { matches: [{ path: { type: 'RegularExpression', value: '/(?!admin).*' }, headers: [], queryParams: [] }], backendRefs: [backend('web', 80)] },
      { matches: [{ path: { type: 'PathPrefix', value: '/zero' }, headers: [], queryParams: [] }], backendRefs: [backend('web', 80, 0), backend('web-canary', 80, 0)] },
    ]);
    const base = mesh([r]);
    const web = base.services.get('default/web.default.svc.cluster.local')!;
    const dup = { ...web, name: 'dup', hostname: 'dup.default.svc.cluster.local', key: 'default/dup.default.svc.cluster.local' };
    const m: MeshSnapshot = {
      ...base,
      services: new Map([...base.services, [dup.key, dup]]),
      waypoints: new Map([['default/waypoint', { ...base.waypoints.get('default/waypoint')!, services: [...base.waypoints.get('default/waypoint')!.services, dup.key] }]]),
    };
    const cfg = translateWaypoint(m, m.waypoints.get('default/waypoint')!);
    assert.deepEqual(cfg.problems.map((p) => [p.kind, p.reason]), [['HTTPRoute', 'UnsupportedValue'], ['Gateway', 'Conflicted']]);
    assert.match(cfg.problems[0]!.message, /lookaround/);
    assert.match(cfg.problems[1]!.message, /inbound-vip\|80\|http\|web\.default.* left out: .*inbound-vip\|80\|http\|dup\.default/);
    const rc = cfg.routes.find((x) => x.name === 'inbound-vip|80|http|web.default.svc.cluster.local') as Json;
    assert.deepEqual(rc.virtual_hosts[0].routes.map((x: Json) => [x.name, x.direct_response?.status]), [['default.web.1.0', 500]]);
    const status = waypointStatuses(m, () => cfg.problems, { clients: [] })[0]!;
    assert.equal(status.problems.length, 1);
    assert.equal(status.conditions[1]!.reason, 'Pending', 'a conflict alone does not block Programmed');
  });

  it('every generated resource passes the builder; endpoints carry the HBONE target and authority', () => {
    const m = mesh();
    const g = createWaypointGenerators();
    const client = { nodeId: 'waypoint~127.0.29.1~waypoint.default~default.svc.cluster.local', proxyType: 'waypoint' as const, metadata: {} };
    assert.equal(waypointKeyOf(client), 'default/waypoint');
    const counts = g.generators.map((gen) => [gen.typeUrl, gen.generate(m, client).size]);
    assert.deepEqual(g.problems(m, 'default/waypoint'), []);
    assert.deepEqual(Object.fromEntries(counts), {
      [TYPE_URLS.listener]: 3,
      [TYPE_URLS.routeConfiguration]: 3,
      [TYPE_URLS.cluster]: 3 + 6,
      [TYPE_URLS.clusterLoadAssignment]: 6,
    });
    const cfg = translateWaypoint(m, m.waypoints.get('default/waypoint')!);
    const cla = cfg.endpoints.find((e) => e.cluster_name === 'inbound-vip|80|http|web.default.svc.cluster.local') as Json;
    assert.deepEqual(cla.endpoints[0].lb_endpoints[0].metadata.filter_metadata['envoy.filters.listener.original_dst'], { local: '10.1.0.1:8080', hbone_address: '127.0.29.100:15008' });
  });

  it('computes waypoint status from xDS ACK state', () => {
    const m = mesh();
    const none = waypointStatuses(m, () => [], { clients: [] });
    assert.deepEqual(none[0]!.conditions.map((c) => [c.type, c.status, c.reason]), [['Accepted', 'True', 'Accepted'], ['Programmed', 'False', 'Pending']]);
    const lds = (extra: Json) => ({ clients: [{ caller: { kind: 'waypoint', namespace: 'default', name: 'waypoint' }, types: [{ typeUrl: TYPE_URLS.listener, ...extra }] }] });
    const acked = waypointStatuses(m, () => [], lds({ state: 'acked', lastSentVersion: '7', lastAckedVersion: '7', lastNack: null }));
    assert.deepEqual(acked[0]!.conditions[1], { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'Envoy ACKed listeners version 7' });
    assert.deepEqual(acked[0]!.addresses, [{ type: 'IPAddress', value: '127.0.29.1' }]);
    const nacked = waypointStatuses(m, () => [], lds({ state: 'nacked', lastSentVersion: '8', lastAckedVersion: '7', lastNack: { version: '8', message: 'bad listener' } }));
    assert.deepEqual(nacked[0]!.conditions[1]!.reason, 'Invalid');
    assert.match(nacked[0]!.conditions[1]!.message, /bad listener/);
  });
});
