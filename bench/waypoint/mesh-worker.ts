/** Runs the in-process mesh (control plane, two ztunnels, waypoint Envoy, apps) in its own thread for the benchmark. */
import { parentPort, workerData } from 'node:worker_threads';
import { startMeshHarness, type MeshAddresses } from '../../test/waypoint/support/mesh-harness.js';

const { envoyPath, addresses } = workerData as { envoyPath: string; addresses: MeshAddresses };
// ztunnels as their own processes (as `ambit up` runs them), so neither shares a thread with the control plane.
const mesh = await startMeshHarness({ envoyPath, addresses, ztunnelProcesses: true });
parentPort?.postMessage('ready');
parentPort?.on('message', (m) => {
  if (m === 'close') void mesh.close().then(() => parentPort?.postMessage('closed'));
});
