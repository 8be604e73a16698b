/** The Envoy resource builder rejects what Envoy would (unknown fields, PGV violations), naming the path. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResourceBuilder } from '../../src/shared/envoy/index.js';

const b = createResourceBuilder();
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };

function listenerWith(hcm: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'l',
    address: { socket_address: { address: '127.0.0.1', port_value: 8080 } },
    filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM, ...hcm } }] }],
  };
}

describe('resource builder', () => {
  it('encodes a valid cluster and decodes it back (durations, wrappers, enums)', () => {
    const r = b.build('envoy.config.cluster.v3.Cluster', {
      name: 'c',
      type: 'STATIC',
      connect_timeout: '1.5s',
      per_connection_buffer_limit_bytes: 1024,
      load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 80 } } } }] }] },
    });
    assert.ok(r.ok, !r.ok ? r.problems.join('\n') : '');
    assert.equal(r.any.type_url, 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
    const back = b.decode(r.any) as { connect_timeout: unknown; type: string; per_connection_buffer_limit_bytes: unknown };
    assert.equal(back.type, 'STATIC');
    assert.deepEqual(back.connect_timeout, { seconds: 1, nanos: 500_000_000 });
    assert.deepEqual(back.per_connection_buffer_limit_bytes, { value: 1024 });
  });

  it('rejects unknown keys at any depth, including inside typed_config', () => {
    const problems = b.validate('envoy.config.listener.v3.Listener', { ...listenerWith({ stat_prefix: 'x', route_config: {}, http_filters: [ROUTER], codec_typ: 'AUTO' }), bogus: 1 });
    assert.deepEqual(problems, [
      'filter_chains[0].filters[0].typed_config<HttpConnectionManager>.codec_typ: unknown field (not in envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager)',
      'bogus: unknown field (not in envoy.config.listener.v3.Listener)',
    ]);
  });

  it('checks PGV rules: string min_len, uint32 range, required oneof, repeated min_items, enum defined_only', () => {
    const problems = b.validate('envoy.config.listener.v3.Listener', {
      name: 'l',
      address: { socket_address: { address: '127.0.0.1', port_value: 70000 } },
      filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: '', codec_type: 99, http_filters: [ROUTER] } }] }],
    });
    const hcm = 'filter_chains[0].filters[0].typed_config<HttpConnectionManager>';
    assert.deepEqual(problems, [
      'address.socket_address.port_value: must be <= 65535',
      `${hcm}.stat_prefix: length must be at least 1`,
      `${hcm}.codec_type: value 99 is not a defined enum value`,
      `${hcm}: one of rds, route_config, scoped_routes is required (oneof route_specifier)`,
    ]);
    const weighted = b.validate('envoy.config.route.v3.WeightedCluster', { clusters: [] });
    assert.deepEqual(weighted, ['clusters: needs at least 1 item(s)']);
  });

  it('checks absent required fields and message-required rules', () => {
    assert.deepEqual(b.validate('envoy.config.route.v3.Route', { name: 'r', route: { cluster: 'c' } }), ['match: is required']);
    assert.deepEqual(b.validate('envoy.config.core.v3.HeaderValueOption', { header: { key: '', value: 'v' } }), ['header.key: length must be at least 1']);
  });

  it('rejects more than one member of a oneof and wrong value types', () => {
    const problems = b.validate('envoy.config.route.v3.RouteAction', { cluster: 'a', cluster_header: 'b', timeout: 'soon', priority: 'HIGHEST' });
    assert.deepEqual(problems, [
      'timeout: invalid duration "soon" (expected e.g. "1.5s")',
      'priority: "HIGHEST" is not a value of enum envoy.config.core.v3.RoutingPriority',
      'RouteAction: only one of cluster, cluster_header may be set (oneof cluster_specifier)',
    ]);
  });

  it('checks duration rules and header-name regexes', () => {
    const cluster = { name: 'c', connect_timeout: '0s', type: 'STATIC' };
    assert.deepEqual(b.validate('envoy.config.cluster.v3.Cluster', cluster), ['connect_timeout: must be > 0s']);
    const bad = b.validate('envoy.config.core.v3.HeaderValueOption', { header: { key: 'bad\nheader', value: 'v' } });
    assert.deepEqual(bad, ['header.key: must be a valid HTTP_HEADER_NAME']);
  });

  it('reports an Any of an unknown type instead of encoding it', () => {
    const r = b.build('envoy.config.listener.v3.Listener', { name: 'l', filter_chains: [{ filters: [{ name: 'x', typed_config: { '@type': 'type.googleapis.com/no.such.Type' } }] }] });
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.problems, ['filter_chains[0].filters[0].typed_config: unknown type no.such.Type (not among the loaded Envoy protos)']);
  });
});
