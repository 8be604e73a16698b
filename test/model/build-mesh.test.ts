import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMesh, DEFAULT_MESH_OPTIONS, policiesForWorkload } from '../../src/shared/model/build-mesh.js';
import type { NodeObject, PodObject, ServiceEntryObject, ServiceObject, WorkloadEntryObject } from '../../src/shared/model/objects.js';
import { loadFixture, withObjects } from './fixture.js';

const pod = (ns: string, name: string) => `Kubernetes//Pod/${ns}/${name}`;
const svc = (name: string) => `bookinfo/${name}.bookinfo.svc.cluster.local`;

test('bookinfo fixture loads without errors', () => {
  const cfg = loadFixture('bookinfo');
  assert.deepEqual(cfg.errors, []);
  assert.ok(cfg.objects.size > 25, `only ${cfg.objects.size} objects`);
});

test('workloads: uid, identity, node address, capture and opt-out', () => {
  const mesh = buildMesh(loadFixture('bookinfo'));
  const pp = mesh.workloads.get(pod('bookinfo', 'productpage-v1'));
  assert.ok(pp);
  assert.equal(pp.identity, 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage');
  assert.deepEqual(pp.addresses, ['127.0.1.1']);
  assert.equal(pp.node, 'node-a');
  assert.equal(pp.nodeAddress, '127.0.0.11');
  assert.equal(pp.captured, true);
  assert.equal(pp.canonicalName, 'productpage');
  assert.equal(pp.canonicalRevision, 'v1');
  const sleep = mesh.workloads.get(pod('bookinfo', 'sleep'));
  assert.equal(sleep?.captured, false, 'istio.io/dataplane-mode=none on the pod opts out');
  assert.equal(mesh.workloads.get(pod('bookinfo', 'reviews-v2'))?.nodeAddress, '127.0.0.12');
});

test('locality as istiod reads it: the node topology labels of a pod, WorkloadEntry spec.locality', () => {
  const base = loadFixture('bookinfo');
  const nodeA = base.objects.get('Node//node-a') as NodeObject;
  const zoned: NodeObject = { ...nodeA, metadata: { ...nodeA.metadata, labels: { 'topology.kubernetes.io/region': 'eu', 'topology.kubernetes.io/zone': 'eu-a', 'topology.istio.io/subzone': 'rack1' } } };
  const pp = base.objects.get('Pod/bookinfo/productpage-v1') as PodObject;
  const labelled: PodObject = { ...pp, metadata: { ...pp.metadata, name: 'productpage-labelled', labels: { ...pp.metadata.labels, 'istio-locality': 'us.us-b' } }, spec: { ...pp.spec, podIPs: ['127.0.1.99'] } };
  const vm = base.objects.get('WorkloadEntry/bookinfo/ratings-vm') as WorkloadEntryObject;
  const placed: WorkloadEntryObject = { ...vm, spec: { ...vm.spec, locality: 'us/us-c/rack9/extra' } };
  const mesh = buildMesh(withObjects(base, [zoned, labelled, placed]));
  assert.deepEqual(mesh.workloads.get(pod('bookinfo', 'productpage-v1'))?.locality, { region: 'eu', zone: 'eu-a', subzone: 'rack1' });
  assert.deepEqual(mesh.workloads.get(pod('bookinfo', 'productpage-labelled'))?.locality, { region: 'eu', zone: 'eu-a', subzone: 'rack1' }, 'ambient istiod ignores a pod istio-locality label');
  assert.deepEqual(mesh.workloads.get('Kubernetes/networking.istio.io/WorkloadEntry/bookinfo/ratings-vm')?.locality, { region: 'us', zone: 'us-c', subzone: 'rack9' }, 'parts after the third ignored');
  assert.equal(mesh.workloads.get(pod('bookinfo', 'reviews-v2'))?.locality, undefined, 'a node without topology labels gives no locality');
  const moved: NodeObject = { ...zoned, metadata: { ...zoned.metadata, labels: { 'topology.kubernetes.io/region': 'eu', 'topology.kubernetes.io/zone': 'eu-b', 'failure-domain.beta.kubernetes.io/zone': 'eu-z' } } };
  const next = buildMesh(withObjects(base, [moved, labelled, placed]), DEFAULT_MESH_OPTIONS, mesh);
  assert.deepEqual(next.workloads.get(pod('bookinfo', 'productpage-v1'))?.locality, { region: 'eu', zone: 'eu-b', subzone: '' }, 'a relabelled node changes its pods on the next build');
});

test('trust domain is configurable', () => {
  const mesh = buildMesh(loadFixture('bookinfo'), { ...DEFAULT_MESH_OPTIONS, trustDomain: 'example.org' });
  const w = mesh.workloads.get(pod('bookinfo', 'details-v1'));
  assert.equal(w?.identity, 'spiffe://example.org/ns/bookinfo/sa/bookinfo-details');
  assert.equal(w?.trustDomain, 'example.org');
  assert.equal(mesh.waypoints.get('bookinfo/waypoint')?.identity, 'spiffe://example.org/ns/bookinfo/sa/waypoint');
});

test('service endpoints by selector, with named target ports resolved per workload', () => {
  const mesh = buildMesh(loadFixture('bookinfo'));
  const reviews = mesh.services.get(svc('reviews'));
  assert.deepEqual(reviews?.endpoints, [pod('bookinfo', 'reviews-v1'), pod('bookinfo', 'reviews-v2'), pod('bookinfo', 'reviews-v3')]);
  assert.deepEqual(reviews?.vips, ['10.96.0.12']);
  const ratings = mesh.services.get(svc('ratings'));
  assert.deepEqual(ratings?.endpoints, [pod('bookinfo', 'ratings-v1'), 'Kubernetes/networking.istio.io/WorkloadEntry/bookinfo/ratings-vm']);
  const vm = mesh.workloads.get('Kubernetes/networking.istio.io/WorkloadEntry/bookinfo/ratings-vm');
  assert.deepEqual(vm?.services[svc('ratings')], [{ servicePort: 9080, targetPort: 9080 }]);
  assert.equal(vm?.nodeAddress, '127.0.0.12');
  const sleepPorts = mesh.workloads.get(pod('bookinfo', 'sleep'))?.services[svc('sleep')];
  assert.deepEqual(sleepPorts, [{ servicePort: 80, targetPort: 8080 }]);
  const details = mesh.workloads.get(pod('bookinfo', 'details-v1'))?.services[svc('details')];
  assert.deepEqual(details, [{ servicePort: 9080, targetPort: 9080 }], 'targetPort defaults to port');
});

test('a named targetPort the pod does not expose leaves that port out', () => {
  const base = loadFixture('bookinfo');
  const pp = base.objects.get('Pod/bookinfo/productpage-v1') as PodObject;
  const renamed: PodObject = { ...pp, spec: { ...pp.spec, ports: [{ name: 'web', containerPort: 9080, protocol: 'TCP' }] } };
  const mesh = buildMesh(withObjects(base, [renamed]));
  assert.deepEqual(mesh.workloads.get(pod('bookinfo', 'productpage-v1'))?.services[svc('productpage')], []);
});

test('waypoints: namespace default, service override, none opt-out, waypoint-for', () => {
  const mesh = buildMesh(loadFixture('bookinfo'));
  assert.equal(mesh.services.get(svc('productpage'))?.waypoint?.name, 'waypoint');
  assert.equal(mesh.services.get(svc('productpage'))?.waypoint?.address, '127.0.1.100');
  assert.equal(mesh.services.get(svc('productpage'))?.waypoint?.hbonePort, 15008);
  assert.equal(mesh.services.get(svc('reviews'))?.waypoint?.name, 'reviews-waypoint');
  assert.equal(mesh.services.get(svc('ratings'))?.waypoint, undefined, 'use-waypoint=none on the service');
  // The namespace waypoint is for services only, so pods do not bind to it.
  assert.equal(mesh.workloads.get(pod('bookinfo', 'productpage-v1'))?.waypoint, undefined);
  const wp = mesh.waypoints.get('bookinfo/waypoint');
  assert.equal(wp?.for, 'service');
  assert.deepEqual(wp?.problems, []);
  assert.ok(wp?.services.includes(svc('details')));
  assert.ok(!wp?.services.includes(svc('reviews')));
  assert.deepEqual(mesh.waypoints.get('bookinfo/reviews-waypoint')?.services, [svc('reviews')]);
});

test('waypoint-for=workload binds pods labelled use-waypoint, and waypoints get no waypoint', () => {
  const base = loadFixture('bookinfo');
  const rv1 = base.objects.get('Pod/bookinfo/reviews-v1') as PodObject;
  const labelled: PodObject = { ...rv1, metadata: { ...rv1.metadata, labels: { ...rv1.metadata.labels, 'istio.io/use-waypoint': 'reviews-waypoint' } } };
  const mesh = buildMesh(withObjects(base, [labelled]));
  assert.equal(mesh.workloads.get(pod('bookinfo', 'reviews-v1'))?.waypoint?.name, 'reviews-waypoint');
  assert.deepEqual(mesh.waypoints.get('bookinfo/reviews-waypoint')?.workloads, [pod('bookinfo', 'reviews-v1')]);
  // use-waypoint=none on mongodb beats nothing here (namespace waypoint is for services), and is kept off.
  assert.equal(mesh.workloads.get(pod('bookinfo', 'mongodb-v1'))?.waypoint, undefined);
});

test('local-mode waypoint workloads are synthesised from the Gateway address', () => {
  const mesh = buildMesh(loadFixture('bookinfo'));
  const w = mesh.workloads.get('Kubernetes/gateway.networking.k8s.io/Gateway/bookinfo/waypoint');
  assert.ok(w);
  assert.deepEqual(w.addresses, ['127.0.1.100']);
  assert.equal(w.waypointFor, 'bookinfo/waypoint');
  assert.equal(w.serviceAccount, 'waypoint');
  assert.equal(w.node, '');
  assert.equal(w.waypoint, undefined);
  assert.equal(w.captured, false);
});

test('waypoint pods (gateway-name label) replace the synthetic workload and never get a waypoint', () => {
  const base = loadFixture('bookinfo');
  const pp = base.objects.get('Pod/bookinfo/productpage-v1') as PodObject;
  const wpPod: PodObject = {
    ...pp,
    metadata: { ...pp.metadata, name: 'waypoint-abc', labels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint', 'istio.io/use-waypoint': 'waypoint' } },
    spec: { ...pp.spec, podIPs: ['127.0.1.120'], serviceAccountName: 'waypoint' },
  };
  const mesh = buildMesh(withObjects(base, [wpPod]));
  assert.equal(mesh.workloads.has('Kubernetes/gateway.networking.k8s.io/Gateway/bookinfo/waypoint'), false);
  const w = mesh.workloads.get(pod('bookinfo', 'waypoint-abc'));
  assert.equal(w?.waypointFor, 'bookinfo/waypoint');
  assert.equal(w?.waypoint, undefined);
  assert.equal(w?.captured, false);
});

test('a waypoint without the HBONE listener is reported', () => {
  const base = loadFixture('bookinfo');
  const gw = base.objects.get('Gateway/bookinfo/waypoint');
  assert.ok(gw && gw.kind === 'Gateway');
  const bad = { ...gw, spec: { ...gw.spec, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } };
  const mesh = buildMesh(withObjects(base, [bad]));
  assert.match(mesh.waypoints.get('bookinfo/waypoint')?.problems[0] ?? '', /15008/);
});

test('policy attachment: global, namespace, selector and targetRefs', () => {
  const mesh = buildMesh(loadFixture('bookinfo'));
  const global = mesh.policies.get('istio-system/deny-test-net');
  assert.equal(global?.scope.kind, 'global');
  assert.ok(global?.workloads.includes(pod('bookinfo', 'details-v1')));
  assert.equal(mesh.policies.get('bookinfo/deny-untrusted')?.scope.kind, 'namespace');
  const viewer = mesh.policies.get('bookinfo/ratings-viewer');
  assert.equal(viewer?.scope.kind, 'selector');
  assert.deepEqual(viewer?.workloads, [pod('bookinfo', 'ratings-v1'), 'Kubernetes/networking.istio.io/WorkloadEntry/bookinfo/ratings-vm']);
  assert.deepEqual(viewer?.waypoints, []);
  assert.deepEqual(mesh.workloads.get(pod('bookinfo', 'ratings-v1'))?.selectorPolicies, ['bookinfo/ratings-viewer']);
  assert.deepEqual(mesh.workloads.get(pod('bookinfo', 'details-v1'))?.selectorPolicies, []);
  const byService = mesh.policies.get('bookinfo/productpage-no-admin');
  assert.deepEqual(byService?.workloads, [], 'targetRefs policies are not enforced by ztunnel');
  assert.deepEqual(byService?.services, [svc('productpage')]);
  assert.deepEqual(byService?.waypoints, ['bookinfo/waypoint']);
  assert.deepEqual(mesh.policies.get('bookinfo/reviews-get-only')?.waypoints, ['bookinfo/reviews-waypoint']);
  assert.deepEqual(mesh.requestAuthentications.get('bookinfo/productpage-jwt')?.waypoints, ['bookinfo/waypoint']);
  assert.deepEqual(policiesForWorkload(mesh, pod('bookinfo', 'ratings-v1')), ['bookinfo/deny-untrusted', 'bookinfo/ratings-viewer', 'istio-system/deny-test-net']);
});

test('HTTPRoute with a Service parentRef; ServiceEntry inline endpoints become workloads', () => {
  const mesh = buildMesh(loadFixture('bookinfo'));
  assert.deepEqual(mesh.httpRoutes.get('bookinfo/reviews')?.parentServices, [svc('reviews')]);
  const se = mesh.services.get('bookinfo/inventory.example.internal');
  assert.equal(se?.kind, 'ServiceEntry');
  assert.deepEqual(se?.vips, ['240.240.0.1']);
  const uid = 'Kubernetes/networking.istio.io/ServiceEntry/bookinfo/inventory/127.0.1.40';
  assert.deepEqual(se?.endpoints, [uid]);
  assert.deepEqual(mesh.workloads.get(uid)?.services['bookinfo/inventory.example.internal'], [{ servicePort: 8080, targetPort: 18080, appProtocol: 'http' }]);
});

test('unchanged entries keep object identity across rebuilds; changed ones do not', () => {
  const base = loadFixture('bookinfo');
  const first = buildMesh(base);
  const svcObj = base.objects.get('Service/bookinfo/details') as ServiceObject;
  const changed: ServiceObject = { ...svcObj, spec: { ...svcObj.spec, clusterIPs: ['10.96.0.99'] } };
  const second = buildMesh(withObjects(base, [changed]), DEFAULT_MESH_OPTIONS, first);
  assert.equal(second.version, first.version + 1);
  assert.equal(second.workloads.get(pod('bookinfo', 'reviews-v1')), first.workloads.get(pod('bookinfo', 'reviews-v1')));
  assert.equal(second.services.get(svc('reviews')), first.services.get(svc('reviews')));
  assert.notEqual(second.services.get(svc('details')), first.services.get(svc('details')));
  assert.deepEqual(second.services.get(svc('details'))?.vips, ['10.96.0.99']);
});

test('terminal pods and pods without an IP are not workloads; not-ready pods are unhealthy', () => {
  const base = loadFixture('bookinfo');
  const p = base.objects.get('Pod/bookinfo/details-v1') as PodObject;
  const done: PodObject = { ...p, spec: { ...p.spec, phase: 'Succeeded' } };
  const noIp: PodObject = { ...p, metadata: { ...p.metadata, name: 'details-pending' }, spec: { ...p.spec, podIPs: [] } };
  const notReady: PodObject = { ...p, metadata: { ...p.metadata, name: 'details-slow' }, spec: { ...p.spec, podIPs: ['127.0.1.60'], ready: false } };
  const mesh = buildMesh(withObjects(base, [done, noIp, notReady]));
  assert.equal(mesh.workloads.has(pod('bookinfo', 'details-v1')), false);
  assert.equal(mesh.workloads.has(pod('bookinfo', 'details-pending')), false);
  assert.equal(mesh.workloads.get(pod('bookinfo', 'details-slow'))?.healthy, false);
  assert.deepEqual(mesh.services.get(svc('details'))?.endpoints, [pod('bookinfo', 'details-slow')]);
});

test('WorkloadEntry ports (keyed by service port name) override the Service target port', () => {
  const base = loadFixture('bookinfo');
  const vm: WorkloadEntryObject = {
    kind: 'WorkloadEntry', apiVersion: 'networking.istio.io/v1', origin: { source: 'test' },
    metadata: { name: 'details-vm', namespace: 'bookinfo', labels: {}, annotations: {} },
    spec: { address: '127.0.1.31', labels: { app: 'details' }, ports: { http: 19080 }, serviceAccount: 'bookinfo-details', network: '' },
  };
  const mesh = buildMesh(withObjects(base, [vm]));
  const w = mesh.workloads.get('Kubernetes/networking.istio.io/WorkloadEntry/bookinfo/details-vm');
  assert.deepEqual(w?.services[svc('details')], [{ servicePort: 9080, targetPort: 19080 }]);
  assert.equal(w?.captured, true, 'namespace is ambient');
  assert.deepEqual(mesh.workloads.get(pod('bookinfo', 'details-v1'))?.services[svc('details')], [{ servicePort: 9080, targetPort: 9080 }]);
});

test('ServiceEntry workloadSelector selects pods and WorkloadEntries in its namespace', () => {
  const base = loadFixture('bookinfo');
  const se: ServiceEntryObject = {
    kind: 'ServiceEntry', apiVersion: 'networking.istio.io/v1', origin: { source: 'test' },
    metadata: { name: 'ratings-ext', namespace: 'bookinfo', labels: {}, annotations: {} },
    spec: {
      hosts: ['ratings.example.com', 'ratings2.example.com'], addresses: [], location: 'MESH_INTERNAL', resolution: 'STATIC',
      ports: [{ number: 80, name: 'http', protocol: 'HTTP', targetPort: 9080 }], endpoints: [],
      workloadSelector: { matchLabels: { app: 'ratings' } }, subjectAltNames: [],
    },
  };
  const mesh = buildMesh(withObjects(base, [se]));
  for (const host of ['ratings.example.com', 'ratings2.example.com']) {
    assert.deepEqual(mesh.services.get(`bookinfo/${host}`)?.endpoints, [pod('bookinfo', 'ratings-v1'), 'Kubernetes/networking.istio.io/WorkloadEntry/bookinfo/ratings-vm']);
  }
  assert.deepEqual(mesh.workloads.get(pod('bookinfo', 'ratings-v1'))?.services['bookinfo/ratings.example.com'], [{ servicePort: 80, targetPort: 9080, appProtocol: 'http' }]);
  // The ServiceEntry carries no use-waypoint label, so the namespace waypoint applies.
  assert.equal(mesh.services.get('bookinfo/ratings.example.com')?.waypoint?.name, 'waypoint');
});

test('cross-namespace waypoints need allowedRoutes from All; waypoint-for=none binds nothing', () => {
  const base = loadFixture('bookinfo');
  const ns = base.objects.get('Namespace//bookinfo');
  assert.ok(ns?.kind === 'Namespace');
  const relabelled = { ...ns, metadata: { ...ns.metadata, labels: { ...ns.metadata.labels, 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'infra' } } };
  const gw = base.objects.get('Gateway/bookinfo/waypoint');
  assert.ok(gw?.kind === 'Gateway');
  const shared = { ...gw, metadata: { ...gw.metadata, name: 'shared', namespace: 'infra' } };
  let mesh = buildMesh(withObjects(base, [relabelled, shared]));
  assert.equal(mesh.services.get(svc('details'))?.waypoint, undefined, 'default allowedRoutes is Same namespace');
  const open = { ...shared, spec: { ...shared.spec, listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE', allowedRoutes: { namespaces: { from: 'All' as const } } }] } };
  mesh = buildMesh(withObjects(base, [relabelled, open]));
  assert.deepEqual(mesh.services.get(svc('details'))?.waypoint, { namespace: 'infra', name: 'shared', address: '127.0.1.100', hbonePort: 15008 });
  const none = { ...open, metadata: { ...open.metadata, labels: { 'istio.io/waypoint-for': 'none' } } };
  mesh = buildMesh(withObjects(base, [relabelled, none]));
  assert.equal(mesh.services.get(svc('details'))?.waypoint, undefined);
});

test('GatewayClass targetRef from the root namespace applies to every waypoint', () => {
  const base = loadFixture('bookinfo');
  const p = base.objects.get('AuthorizationPolicy/bookinfo/reviews-get-only');
  assert.ok(p?.kind === 'AuthorizationPolicy');
  const all = {
    ...p,
    metadata: { ...p.metadata, name: 'all-waypoints', namespace: 'istio-system' },
    spec: { ...p.spec, targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint' }] },
  };
  const elsewhere = { ...all, metadata: { ...all.metadata, name: 'not-root', namespace: 'bookinfo' } };
  const mesh = buildMesh(withObjects(base, [all, elsewhere]));
  assert.deepEqual(mesh.policies.get('istio-system/all-waypoints')?.waypoints, ['bookinfo/reviews-waypoint', 'bookinfo/waypoint']);
  assert.deepEqual(mesh.policies.get('bookinfo/not-root')?.waypoints, []);
});

test('service load balancing and ingress-use-waypoint, as istiod derives them', () => {
  const base = loadFixture('bookinfo');
  const s = base.objects.get('Service/bookinfo/details') as ServiceObject;
  const variant = (name: string, spec: Partial<ServiceObject['spec']>, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): ServiceObject => ({
    ...s,
    metadata: { ...s.metadata, name, annotations, labels: { ...s.metadata.labels, ...labels } },
    spec: { ...s.spec, ...spec },
  });
  const mesh = buildMesh(
    withObjects(base, [
      variant('local', { internalTrafficPolicy: 'Local', trafficDistribution: 'PreferClose' }),
      variant('close', {}, { 'networking.istio.io/traffic-distribution': 'PreferClose' }),
      variant('same-node', { trafficDistribution: 'PreferSameNode', publishNotReadyAddresses: true }),
      variant('not-ready', { publishNotReadyAddresses: true }, {}, { 'istio.io/ingress-use-waypoint': 'true' }),
    ]),
  );
  assert.deepEqual(mesh.services.get(svc('local'))?.loadBalancing, { routingPreference: ['NODE'], mode: 'STRICT' });
  assert.deepEqual(mesh.services.get(svc('close'))?.loadBalancing, { routingPreference: ['NETWORK', 'REGION', 'ZONE'], mode: 'FAILOVER' });
  assert.deepEqual(mesh.services.get(svc('same-node'))?.loadBalancing, {
    routingPreference: ['NETWORK', 'REGION', 'ZONE', 'SUBZONE', 'NODE'],
    mode: 'FAILOVER',
    healthPolicy: 'ALLOW_ALL',
  });
  assert.deepEqual(mesh.services.get(svc('not-ready'))?.loadBalancing, { routingPreference: [], healthPolicy: 'ALLOW_ALL' });
  assert.equal(mesh.services.get(svc('not-ready'))?.ingressUseWaypoint, true);
  assert.equal(mesh.services.get(svc('details'))?.loadBalancing, undefined);
  assert.equal(mesh.services.get(svc('details'))?.ingressUseWaypoint, undefined);
});
