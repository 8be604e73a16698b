import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffPlans, planProcesses } from '../../src/cli/up-plan.js';
import type { MeshSnapshot, MeshWaypoint } from '../../src/shared/model/mesh.js';

function mesh(nodes: Record<string, string>, waypoints: { key: string; address?: string }[]): MeshSnapshot {
  const wps = new Map<string, MeshWaypoint>();
  for (const w of waypoints) {
    const [namespace, name] = w.key.split('/') as [string, string];
    wps.set(w.key, {
      name, namespace, key: w.key, ...(w.address ? { address: w.address } : {}), for: 'service',
      serviceAccount: name, identity: `spiffe://cluster.local/ns/${namespace}/sa/${name}`,
      services: [], workloads: [], problems: [], annotations: {},
    });
  }
  return {
    version: 1,
    options: { trustDomain: 'cluster.local', rootNamespace: 'istio-system', clusterId: 'Kubernetes', domainSuffix: 'cluster.local' },
    nodes: new Map(Object.entries(nodes).map(([name, address]) => [name, { name, address }])),
    workloads: new Map(), services: new Map(), waypoints: wps, policies: new Map(),
    requestAuthentications: new Map(), httpRoutes: new Map(), namespaces: new Map(),
  };
}

const opts = { stateDir: '/s', controlPlaneAddress: '127.0.0.1:15012', logLevel: 'info' };

test('one ztunnel per node bound to its InternalIP, one waypoint per addressed Gateway', () => {
  const plan = planProcesses(mesh({ 'node-b': '127.0.0.12', 'node-a': '127.0.0.11' }, [
    { key: 'bookinfo/waypoint', address: '127.0.0.21' },
    { key: 'bookinfo/pending' },
  ]), opts);
  assert.deepEqual([...plan.keys()], ['ztunnel/node-a', 'ztunnel/node-b', 'waypoint/bookinfo/waypoint']);
  const a = plan.get('ztunnel/node-a')!.args;
  assert.equal(a[a.indexOf('--address') + 1], '127.0.0.11');
  assert.equal(a[a.indexOf('--xds-address') + 1], '127.0.0.1:15012');
  assert.equal(a[a.indexOf('--admin-address') + 1], '127.0.0.11', 'admin on the node address, not a shared 127.0.0.1');
  assert.deepEqual(plan.get('ztunnel/node-a')!.nodeArgs, ['--max-semi-space-size=1', '--optimize-for-size']);
  const w = plan.get('waypoint/bookinfo/waypoint')!.args;
  assert.equal(w[0], 'waypoint');
  assert.equal(w[w.indexOf('--address') + 1], '127.0.0.21');
});

test('admin never binds a routable node address; nodes sharing 127.0.0.1 get distinct ports that stay put', () => {
  const flags = (nodes: Record<string, string>) => {
    const plan = planProcesses(mesh(nodes, []), opts);
    return (key: string) => {
      const args = plan.get(key)!.args;
      const at = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
      return `${at('--admin-address')}:${at('--admin-port') ?? '15000'}`;
    };
  };
  const two = flags({ 'node-a': '10.0.0.11', 'node-b': '10.0.0.12', 'node-c': '127.0.0.13' });
  const [a, b] = [two('ztunnel/node-a'), two('ztunnel/node-b')];
  assert.match(a, /^127\.0\.0\.1:151\d\d$|^127\.0\.0\.1:15[2-9]\d\d$/);
  assert.match(b, /^127\.0\.0\.1:15[1-9]\d\d$/);
  assert.notEqual(a, b);
  assert.equal(two('ztunnel/node-c'), '127.0.0.13:15000', 'a loopback node keeps its own address and 15000');
  // Adding a node that sorts first changes nobody else's port (which would restart their ztunnels).
  const three = flags({ 'node-0': '10.0.0.10', 'node-a': '10.0.0.11', 'node-b': '10.0.0.12', 'node-c': '127.0.0.13' });
  assert.equal(three('ztunnel/node-a'), a);
  assert.equal(three('ztunnel/node-b'), b);
});

test('diff restarts changed processes, stops removed ones, starts new ones', () => {
  const before = planProcesses(mesh({ 'node-a': '127.0.0.11', 'node-b': '127.0.0.12' }, []), opts);
  const after = planProcesses(mesh({ 'node-a': '127.0.0.31', 'node-c': '127.0.0.13' }, []), opts);
  const d = diffPlans(before, after);
  assert.deepEqual(d.stop.sort(), ['ztunnel/node-a', 'ztunnel/node-b']);
  assert.deepEqual(d.start.map((p) => p.key).sort(), ['ztunnel/node-a', 'ztunnel/node-c']);
  assert.deepEqual(diffPlans(after, after), { stop: [], start: [] });
});
