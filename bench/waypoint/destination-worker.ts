/**
 * The destination side of the waypoint benchmark in its own thread (own event loop), so the load generator does not
 * compete with it: a fake ztunnel on `<node>:15008` and the app it delivers to.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startApp } from '../../test/envoy/support/apps.js';
import { startFakeZtunnel } from '../../test/envoy/support/fake-ztunnel.js';

interface DestinationData {
  readonly node: string;
  readonly podIp: string;
  readonly port: number;
  readonly keyPem: string;
  readonly certChainPem: string[];
  readonly rootsPem: string[];
}

const d = workerData as DestinationData;
const app = await startApp('echo', d.podIp, d.port);
const ztunnel = await startFakeZtunnel({ address: d.node, keyPem: d.keyPem, certChainPem: d.certChainPem, rootsPem: d.rootsPem });
parentPort?.postMessage('ready');
parentPort?.on('message', (m) => {
  if (m !== 'close') return;
  void Promise.all([ztunnel.close(), app.close()]).then(() => parentPort?.postMessage('closed'));
});
