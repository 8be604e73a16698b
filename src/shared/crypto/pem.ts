/**
 * PEM helpers. A "bundle" is any text holding zero or more PEM blocks (a chain file, a root bundle); blocks are kept
 * verbatim-normalised (`-----BEGIN X-----\n<base64 in 64-char lines>\n-----END X-----\n`) so they compare equal
 * however the source wrapped them.
 */

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export interface PemBlock {
  /** The label, e.g. `CERTIFICATE`, `PRIVATE KEY`, `CERTIFICATE REQUEST`. */
  readonly label: string;
  readonly der: Buffer;
}

/** Every PEM block in `text`, in order; text outside blocks is ignored. */
export function parsePemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    out.push({ label: m[1]!, der: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') });
  }
  return out;
}

/** DER → PEM with 64-character lines and a trailing newline. */
export function derToPem(der: Uint8Array | ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Splits a bundle into one normalised PEM string per CERTIFICATE block (other blocks are dropped). Used for root
 * bundles (Istio's last cert_chain element may hold several roots) and chain files.
 */
export function splitPemBundle(text: string): string[] {
  return parsePemBlocks(text)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => derToPem(b.der, 'CERTIFICATE'));
}

/** The DER of the first block with `label`, or undefined. */
export function firstPemDer(text: string, label: string): Buffer | undefined {
  return parsePemBlocks(text).find((b) => b.label === label)?.der;
}
