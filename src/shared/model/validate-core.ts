/** Spec validators for core Kubernetes kinds: Namespace, Node, Pod, Service, ServiceAccount. */
import type { ContainerPort, NodeSpec, PodSpec, ServicePort, ServiceSpec } from './objects.js';
import {
  checkDnsName,
  isObject,
  optBool,
  optString,
  readEnum,
  readIp,
  readList,
  readObject,
  readPort,
  readStringMap,
  type Problems,
  type RawObject,
} from './validate-fields.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

export function validateEmptySpec(): Record<string, never> {
  return {};
}

/** Node: the address is `status.addresses[type=InternalIP].address`. */
export function validateNodeSpec(p: Problems, raw: RawObject): NodeSpec {
  const status = readObject(p, raw.status, 'status', true);
  const addresses = readList(p, status?.addresses, 'status.addresses', (item, path) => {
    const a = readObject(p, item, path, true);
    return a ? { type: optString(p, a.type, `${path}.type`), address: a.address, path } : undefined;
  });
  const internal = addresses.find((a) => a.type === 'InternalIP');
  if (!internal) {
    if (status) p.push({ field: 'status.addresses', message: 'no address of type InternalIP' });
    return { internalIP: '' };
  }
  return { internalIP: readIp(p, internal.address, `${internal.path}.address`, true) ?? '' };
}

function readContainerPorts(p: Problems, spec: RawObject | undefined): ContainerPort[] {
  const containers = readList(p, spec?.containers, 'spec.containers', (c, path) => readObject(p, c, path, true) && { c: c as RawObject, path });
  return containers.flatMap(({ c, path }) =>
    readList(p, c.ports, `${path}.ports`, (item, pp) => {
      const o = readObject(p, item, pp, true);
      if (!o) return undefined;
      const containerPort = readPort(p, o.containerPort, `${pp}.containerPort`, true);
      if (containerPort === undefined) return undefined;
      const name = optString(p, o.name, `${pp}.name`);
      const protocol = readEnum(p, o.protocol, `${pp}.protocol`, PROTOCOLS, 'TCP');
      return { containerPort, protocol, ...(name ? { name } : {}) };
    }),
  );
}

/** Pod: IP from status.podIP(s), node from spec.nodeName, readiness from the Ready condition (absent = ready). */
export function validatePodSpec(p: Problems, raw: RawObject): PodSpec {
  const spec = readObject(p, raw.spec, 'spec');
  const status = readObject(p, raw.status, 'status');
  const podIPs: string[] = [];
  const primary = readIp(p, status?.podIP, 'status.podIP', false);
  if (primary) podIPs.push(primary);
  readList(p, status?.podIPs, 'status.podIPs', (item, path) => {
    const ip = isObject(item) ? readIp(p, item.ip, `${path}.ip`, true) : undefined;
    if (!isObject(item)) p.push({ field: path, message: 'expected an object {ip: ...}' });
    if (ip && !podIPs.includes(ip)) podIPs.push(ip);
    return ip;
  });
  const conditions = readList(p, status?.conditions, 'status.conditions', (c, path) => readObject(p, c, path, true));
  const readyCond = conditions.find((c) => c.type === 'Ready');
  return {
    nodeName: optString(p, spec?.nodeName, 'spec.nodeName') ?? '',
    serviceAccountName: optString(p, spec?.serviceAccountName, 'spec.serviceAccountName') || 'default',
    podIPs,
    ports: readContainerPorts(p, spec),
    phase: optString(p, status?.phase, 'status.phase') ?? 'Running',
    ready: readyCond ? readyCond.status === 'True' : true,
    hostNetwork: optBool(p, spec?.hostNetwork, 'spec.hostNetwork', false),
  };
}

function readServicePort(p: Problems, item: unknown, path: string): ServicePort | undefined {
  const o = readObject(p, item, path, true);
  if (!o) return undefined;
  const port = readPort(p, o.port, `${path}.port`, true);
  if (port === undefined) return undefined;
  let targetPort: number | string = port;
  if (typeof o.targetPort === 'string' && /^\d+$/.test(o.targetPort)) targetPort = Number(o.targetPort);
  else if (typeof o.targetPort === 'string') targetPort = o.targetPort;
  else if (o.targetPort !== undefined) targetPort = readPort(p, o.targetPort, `${path}.targetPort`, false) ?? port;
  const name = optString(p, o.name, `${path}.name`);
  const appProtocol = optString(p, o.appProtocol, `${path}.appProtocol`);
  return {
    port,
    targetPort,
    protocol: readEnum(p, o.protocol, `${path}.protocol`, PROTOCOLS, 'TCP'),
    ...(name ? { name } : {}),
    ...(appProtocol ? { appProtocol } : {}),
  };
}

/** Service: ports (targetPort defaults to port; names required and unique when more than one), selector, clusterIPs. */
export function validateServiceSpec(p: Problems, raw: RawObject): ServiceSpec {
  const spec = readObject(p, raw.spec, 'spec', true) ?? {};
  const read = readList(p, spec.ports, 'spec.ports', (item, path) => {
    const sp = readServicePort(p, item, path);
    return sp && { sp, path };
  });
  if (read.length > 1) {
    const seen = new Set<string>();
    for (const { sp, path } of read) {
      if (!sp.name) p.push({ field: `${path}.name`, message: 'required when a Service has more than one port' });
      else if (seen.has(sp.name)) p.push({ field: `${path}.name`, message: `duplicate port name "${sp.name}"` });
      else seen.add(sp.name);
      checkDnsName(p, sp.name ?? '', `${path}.name`);
    }
  }
  const ports = read.map((r) => r.sp);
  const clusterIPs: string[] = [];
  const single = optString(p, spec.clusterIP, 'spec.clusterIP');
  if (single && single !== 'None') {
    const ip = readIp(p, single, 'spec.clusterIP', true);
    if (ip) clusterIPs.push(ip);
  }
  readList(p, spec.clusterIPs, 'spec.clusterIPs', (item, path) => {
    if (item === 'None') return undefined;
    const ip = readIp(p, item, path, true);
    if (ip && !clusterIPs.includes(ip)) clusterIPs.push(ip);
    return ip;
  });
  const selector = spec.selector === undefined || spec.selector === null ? undefined : readStringMap(p, spec.selector, 'spec.selector', true);
  const internalTrafficPolicy = spec.internalTrafficPolicy === undefined ? undefined : readEnum(p, spec.internalTrafficPolicy, 'spec.internalTrafficPolicy', ['Cluster', 'Local'] as const, 'Cluster');
  const trafficDistribution = optString(p, spec.trafficDistribution, 'spec.trafficDistribution');
  const publishNotReady = optBool(p, spec.publishNotReadyAddresses, 'spec.publishNotReadyAddresses', false);
  return {
    ports,
    clusterIPs,
    type: optString(p, spec.type, 'spec.type') ?? 'ClusterIP',
    ...(selector ? { selector } : {}),
    ...(internalTrafficPolicy ? { internalTrafficPolicy } : {}),
    ...(trafficDistribution ? { trafficDistribution } : {}),
    ...(publishNotReady ? { publishNotReadyAddresses: true } : {}),
  };
}
