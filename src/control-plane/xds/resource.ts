/**
 * Helpers for building XdsResource values: the version of a resource is a short hash of its encoded bytes, so two
 * generations of identical content compare equal and a client that already holds it is not sent it again.
 */
import { hash } from 'node:crypto';
import type { XdsResource } from './generator.js';

/** 16 hex characters of SHA-256: short enough for logs, collision-safe for this purpose. */
export function contentVersion(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex').slice(0, 16);
}

export function makeResource(name: string, typeUrl: string, bytes: Uint8Array, aliases?: readonly string[]): XdsResource {
  const value = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    name,
    version: contentVersion(value),
    resource: { type_url: typeUrl, value },
    ...(aliases && aliases.length > 0 ? { aliases } : {}),
  };
}
