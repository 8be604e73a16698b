/** Reading X.509 certificates: the few facts the mesh cares about (SANs, validity, issuer). */
import * as x509 from './x509.js';
import { firstPemDer } from './pem.js';
import { certificateUriSans } from './san.js';

export interface CertificateInfo {
  /** URI SANs in order (a workload certificate has exactly one: its SPIFFE id). */
  readonly uriSans: readonly string[];
  readonly dnsSans: readonly string[];
  readonly ipSans: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Serial number, lowercase hex. */
  readonly serialHex: string;
  /** RFC 4514-style distinguished names as @peculiar/x509 prints them, e.g. `O=cluster.local`. */
  readonly issuer: string;
  readonly subject: string;
  /** BasicConstraints cA flag. */
  readonly isCa: boolean;
}

/** Decodes the first CERTIFICATE block of `pem`; throws when there is none or it is not valid DER. */
export function decodeCertificate(pem: string): x509.X509Certificate {
  const der = firstPemDer(pem, 'CERTIFICATE');
  if (!der) throw new Error('ambit crypto: no CERTIFICATE block in PEM');
  return new x509.X509Certificate(der);
}

const SUBJECT_ALT_NAME_OID = '2.5.29.17';

/** SAN values of one type from a certificate or CSR extension list. */
export function sansOfType(extensions: readonly x509.Extension[], type: x509.GeneralNameType): string[] {
  const out: string[] = [];
  for (const ext of extensions) {
    if (ext.type !== SUBJECT_ALT_NAME_OID) continue;
    const san = ext instanceof x509.SubjectAlternativeNameExtension ? ext : new x509.SubjectAlternativeNameExtension(ext.rawData);
    for (const name of san.names.items) if (name.type === type) out.push(name.value);
  }
  return out;
}

/** Parses the first certificate in `pem`. Throws on malformed input (callers hold PEM they or the CA produced). */
export function parseCertificate(pem: string): CertificateInfo {
  const cert = decodeCertificate(pem);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  return {
    uriSans: sansOfType(cert.extensions, 'url'),
    dnsSans: sansOfType(cert.extensions, 'dns'),
    ipSans: sansOfType(cert.extensions, 'ip'),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialHex: cert.serialNumber.toLowerCase(),
    issuer: cert.issuer,
    subject: cert.subject,
    isCa: bc?.ca ?? false,
  };
}

/** The SPIFFE id (first `spiffe://` URI SAN) of the first certificate in `pem`, or undefined. */
export function spiffeIdFromCert(pem: string): string | undefined {
  return certificateUriSans(pem).find((u) => u.startsWith('spiffe://'));
}
