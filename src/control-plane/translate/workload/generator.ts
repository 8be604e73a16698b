/**
 * Workload discovery generators: `istio.workload.Address` (every Workload and Service) and the bare
 * `istio.workload.Workload` type. Same output for every client (`perClient: false`), as istiod's WorkloadGenerator.
 *
 * Encodings are cached per model object in WeakMaps: the mesh builder keeps object identity for unchanged workloads and
 * services, so one Pod change re-encodes one resource, not ten thousand.
 */
import { TYPE_URLS } from '../../../shared/constants.js';
import type { MeshOptions, MeshService, MeshSnapshot, Workload } from '../../../shared/model/mesh.js';
import type { ResourceGenerator, XdsResource } from '../../xds/generator.js';
import { makeResource } from '../../xds/resource.js';
import { loadProtoRoot } from '../../../shared/proto/load.js';
import { encodeDirect, wdsTypes } from './proto-types.js';
import { serviceMessage, SERVICE_NETWORK } from './service.js';
import { addressAliases, workloadMessage } from './workload.js';

type Encoder = (value: string) => Uint8Array;

function stringValueEncoder(): Encoder {
  const t = loadProtoRoot(['google/protobuf/wrappers.proto']).lookupType('google.protobuf.StringValue');
  return (value) => t.encode(t.fromObject({ value })).finish();
}

/** Per-options caches so a changed trust domain or cluster id invalidates everything. */
function optionsKey(o: MeshOptions): string {
  return `${o.clusterId}|${o.trustDomain}|${o.domainSuffix}|${o.rootNamespace}`;
}

interface Caches {
  workloads: WeakMap<Workload, XdsResource>;
  services: WeakMap<MeshService, XdsResource>;
}

function cacheFor(all: Map<string, Caches>, options: MeshOptions): Caches {
  const key = optionsKey(options);
  let c = all.get(key);
  if (!c) {
    // Options change rarely; keep only the current set.
    all.clear();
    c = { workloads: new WeakMap(), services: new WeakMap() };
    all.set(key, c);
  }
  return c;
}

/** One resource per workload (named by uid, aliased by address), encoded once per Workload object and cached. */
function workloadResources(
  mesh: MeshSnapshot,
  c: Caches,
  typeUrl: string,
  encode: (w: Workload) => Uint8Array,
): Map<string, XdsResource> {
  const out = new Map<string, XdsResource>();
  for (const w of mesh.workloads.values()) {
    let r = c.workloads.get(w);
    if (!r) {
      r = makeResource(w.uid, typeUrl, encode(w), addressAliases(w.network, w.addresses));
      c.workloads.set(w, r);
    }
    out.set(r.name, r);
  }
  return out;
}

/** Generator for `type.googleapis.com/istio.workload.Address`: names are workload uids and `<ns>/<hostname>`. */
export function createAddressGenerator(): ResourceGenerator {
  const types = wdsTypes();
  const encodeString = stringValueEncoder();
  const caches = new Map<string, Caches>();
  return {
    typeUrl: TYPE_URLS.address,
    perClient: false,
    generate(mesh: MeshSnapshot): ReadonlyMap<string, XdsResource> {
      const c = cacheFor(caches, mesh.options);
      const out = workloadResources(mesh, c, TYPE_URLS.address, (w) =>
        encodeDirect(types.address, { workload: workloadMessage(w, mesh.options, encodeString) }),
      );
      for (const s of mesh.services.values()) {
        let r = c.services.get(s);
        if (!r) {
          const bytes = encodeDirect(types.address, { service: serviceMessage(s) });
          r = makeResource(s.key, TYPE_URLS.address, bytes, addressAliases(SERVICE_NETWORK, s.vips));
          c.services.set(s, r);
        }
        out.set(r.name, r);
      }
      return out;
    },
  };
}

/** Generator for the bare `type.googleapis.com/istio.workload.Workload` type (waypoint metadata discovery). */
export function createWorkloadGenerator(): ResourceGenerator {
  const types = wdsTypes();
  const encodeString = stringValueEncoder();
  const caches = new Map<string, Caches>();
  return {
    typeUrl: TYPE_URLS.workload,
    perClient: false,
    generate(mesh: MeshSnapshot): ReadonlyMap<string, XdsResource> {
      const c = cacheFor(caches, mesh.options);
      return workloadResources(mesh, c, TYPE_URLS.workload, (w) => encodeDirect(types.workload, workloadMessage(w, mesh.options, encodeString)));
    },
  };
}
