/**
 * Leaf certificates as Istio's CA issues them (security/pkg/pki/util/generate_cert.go): empty subject, SANs from the
 * authorised identity only (critical, because the subject is empty), KeyUsage digitalSignature|keyEncipherment
 * (critical), EKU serverAuth+clientAuth, not a CA, AuthorityKeyIdentifier of the signing cert.
 */
import type { webcrypto } from 'node:crypto';
import * as x509 from '../../shared/crypto/x509.js';
import type { SigningMaterial } from './signing-material.js';
import { randomSerialHex } from './signing-material.js';

export interface LeafSans {
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

export interface LeafValidity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

async function authorityKeyId(signingCert: x509.X509Certificate): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = signingCert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId);
  return x509.AuthorityKeyIdentifierExtension.create(signingCert.publicKey);
}

function sanExtension(sans: LeafSans): x509.SubjectAlternativeNameExtension {
  const names: x509.JsonGeneralName[] = [
    ...sans.uris.map((value) => ({ type: 'url' as const, value })),
    ...sans.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...sans.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  return new x509.SubjectAlternativeNameExtension(names, true);
}

/** Signs a leaf for `publicKey` with `material`; returns the leaf PEM. */
export async function signLeaf(
  material: SigningMaterial,
  publicKey: x509.PublicKey | webcrypto.CryptoKey,
  sans: LeafSans,
  validity: LeafValidity,
): Promise<string> {
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    issuer: material.signingCert.subjectName,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    publicKey,
    signingKey: material.signingKey.privateKey,
    signingAlgorithm: material.signingKey.signingAlgorithm,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      await authorityKeyId(material.signingCert),
      sanExtension(sans),
    ],
  });
  return cert.toString('pem') + '\n';
}
