/** Throw-away mTLS material for Envoy tests: a CA, a server certificate and client certificates with SPIFFE SANs. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Issues a client cert whose URI SAN is `spiffeId`; returns PEM strings. */
  client(spiffeId: string): { cert: string; key: string };
  cleanup(): void;
}

const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function issue(dir: string, name: string, subject: string, san: string): void {
  const key = join(dir, `${name}.key`);
  run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', join(dir, `${name}.csr`), '-subj', subject]);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  run(['x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-days', '1', '-out', join(dir, `${name}.pem`), '-extfile', join(dir, `${name}.ext`)]);
}

export function createTestPki(serverName: string): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'ambit-brain-pki-'));
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-days', '1', '-subj', '/CN=ambit-test-ca']);
  issue(dir, 'server', `/CN=${serverName}`, `DNS:${serverName}`);
  let n = 0;
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    client(spiffeId) {
      const name = `client${n++}`;
      issue(dir, name, `/CN=${name}`, `URI:${spiffeId}`);
      return { cert: readFileSync(join(dir, `${name}.pem`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
