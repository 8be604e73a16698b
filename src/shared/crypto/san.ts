/**
 * Subject alternative names read with `node:crypto` and a small DER walk, for processes that must not load
 * @peculiar/x509 (the ztunnel). Node's own `subjectAltName` string escapes and joins values, so it is not used.
 */
import { X509Certificate } from 'node:crypto';
import { DER_TAG, oidText, readChildren, readElement, type DerElement } from './der.js';

export const SUBJECT_ALT_NAME_OID = '2.5.29.17';
/** GeneralName `uniformResourceIdentifier [6] IA5String` (IMPLICIT, so a primitive context tag). */
const URI_NAME_TAG = DER_TAG.contextPrimitive | 6;
/** TBSCertificate `extensions [3] EXPLICIT Extensions`. */
const EXTENSIONS_TAG = DER_TAG.contextConstructed | 3;

/** URI SANs of a GeneralNames DER value (the SAN extension's OCTET STRING content), in order. */
export function uriSansOfGeneralNames(generalNames: Buffer): string[] {
  const names = readElement(generalNames);
  if (names.tag !== DER_TAG.sequence) throw new Error('subjectAltName: GeneralNames is not a SEQUENCE');
  return readChildren(names.content)
    .filter((n) => n.tag === URI_NAME_TAG)
    .map((n) => n.content.toString('latin1'));
}

/** URI SANs found in a list of `Extension` elements (certificate or CSR extensionRequest). */
export function uriSansOfExtensions(extensions: readonly DerElement[]): string[] {
  const out: string[] = [];
  for (const ext of extensions) {
    const parts = readChildren(ext.content);
    const id = parts[0];
    const value = parts[parts.length - 1];
    if (id?.tag !== DER_TAG.oid || oidText(id.content) !== SUBJECT_ALT_NAME_OID) continue;
    if (value?.tag !== DER_TAG.octetString) throw new Error('subjectAltName: extnValue is not an OCTET STRING');
    out.push(...uriSansOfGeneralNames(value.content));
  }
  return out;
}

/** URI SANs of a DER certificate, in order; [] when it has no SAN extension. Throws on malformed DER. */
export function uriSansOfCertificateDer(der: Buffer): string[] {
  const cert = readElement(der);
  const tbs = readChildren(cert.content)[0];
  if (cert.tag !== DER_TAG.sequence || tbs?.tag !== DER_TAG.sequence) throw new Error('certificate: not a SEQUENCE of TBSCertificate');
  const wrapper = readChildren(tbs.content).find((el) => el.tag === EXTENSIONS_TAG);
  if (!wrapper) return [];
  const list = readElement(wrapper.content);
  return uriSansOfExtensions(readChildren(list.content));
}

/** URI SANs of the first certificate in `pem` (parsed and checked by node:crypto). Throws on malformed input. */
export function certificateUriSans(pem: string): string[] {
  return uriSansOfCertificateDer(new X509Certificate(pem).raw);
}
