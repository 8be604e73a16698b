/** The waypoint bootstrap template renders into a Bootstrap that passes Envoy's descriptors and PGV rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadBootstrapTemplate, renderBootstrap } from '../../src/waypoint/envoy/index.js';

const VARS = {
  WAYPOINT_ADDRESS: '127.0.0.21', GATEWAY_NAME: 'waypoint', GATEWAY_NAMESPACE: 'bookinfo', ADMIN_ADDRESS: '127.0.0.21',
  ADMIN_PORT: 15000, ADS_API_TYPE: 'DELTA_GRPC', XDS_PROXY_SOCKET: '/var/lib/ambit/waypoints/a "b": c #d/xds.sock',
};

describe('waypoint bootstrap', () => {
  it('renders node identity, admin, ADS and the internal listener extension', async () => {
    const r = renderBootstrap(await loadBootstrapTemplate(), VARS);
    assert.ok(r.ok, !r.ok ? r.problems.join('\n') : '');
    const b = r.bootstrap as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(b.node.id, 'waypoint~127.0.0.21~waypoint.bookinfo~bookinfo.svc.cluster.local');
    assert.equal(b.node.metadata['ambit.dev/gateway'], 'bookinfo/waypoint');
    assert.deepEqual(b.admin.address.socket_address, { address: '127.0.0.21', port_value: 15000 });
    assert.equal(b.dynamic_resources.ads_config.api_type, 'DELTA_GRPC');
    // Values are substituted after YAML parsing, so quotes, colons and hashes survive untouched.
    assert.deepEqual(b.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address, { pipe: { path: '/var/lib/ambit/waypoints/a "b": c #d/xds.sock' } });
    assert.equal(b.dynamic_resources.ads_config.grpc_services[0].initial_metadata, undefined, 'no token in the bootstrap: the xDS proxy adds it per call');
    assert.equal(b.static_resources.clusters[0].transport_socket, undefined, 'plaintext to the local proxy');
    assert.equal(b.bootstrap_extensions[0].name, 'envoy.bootstrap.internal_listener');
  });

  it('reports missing variables and invalid values instead of writing a bad bootstrap', async () => {
    const { XDS_PROXY_SOCKET: _drop, ...missing } = VARS;
    const r1 = renderBootstrap(await loadBootstrapTemplate(), missing);
    assert.deepEqual(!r1.ok && r1.problems, ['bootstrap template: no value for ${XDS_PROXY_SOCKET}']);
    const r2 = renderBootstrap(await loadBootstrapTemplate(), { ...VARS, ADS_API_TYPE: 'SOTW', ADMIN_PORT: 70000 });
    assert.deepEqual(!r2.ok && r2.problems, [
      'admin.address.socket_address.port_value: must be <= 65535',
      'dynamic_resources.ads_config.api_type: "SOTW" is not a value of enum envoy.config.core.v3.ApiConfigSource.ApiType',
    ]);
  });
});
