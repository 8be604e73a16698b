/**
 * A minimal DER (ITU-T X.690) encoder and reader: just what a PKCS#10 request and a certificate's SAN extension need.
 * It lets the ztunnel build CSRs and read SANs on `node:crypto` alone, without loading a full X.509 library
 * (@peculiar/x509 and its dependencies cost ~8 MB of memory per process).
 */

/** Universal tags and the context-specific classes used here. */
export const DER_TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
  /** `[n]` constructed (EXPLICIT, or IMPLICIT over a constructed type): 0xa0 | n. */
  contextConstructed: 0xa0,
  /** `[n]` primitive (IMPLICIT over a primitive type, e.g. GeneralName uniformResourceIdentifier [6]): 0x80 | n. */
  contextPrimitive: 0x80,
} as const;

/** One tag-length-value; definite lengths only (DER). */
export function tlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  let header: number[];
  if (n < 0x80) header = [tag, n];
  else {
    const lengthBytes: number[] = [];
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest & 0xff);
    header = [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  }
  return Buffer.concat([Buffer.from(header), content]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(DER_TAG.sequence, Buffer.concat(items));

/** A SET OF with its elements in DER order (sorted by encoding). */
export const setOf = (...items: Uint8Array[]): Buffer => tlv(DER_TAG.set, Buffer.concat([...items].sort(Buffer.compare)));

/** A non-negative INTEGER below 2^31. */
export function smallInteger(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new RangeError(`DER integer: ${value} out of range`);
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(DER_TAG.integer, Buffer.from(bytes));
}

/** An OBJECT IDENTIFIER from dotted text, e.g. `2.5.29.17`. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isInteger(a) || a < 0)) throw new Error(`DER oid: "${dotted}" is not a dotted OID`);
  const bytes: number[] = [];
  const base128 = (value: number): void => {
    const groups = [value & 0x7f];
    for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) groups.unshift((rest & 0x7f) | 0x80);
    bytes.push(...groups);
  };
  base128(arcs[0]! * 40 + arcs[1]!);
  for (const arc of arcs.slice(2)) base128(arc);
  return tlv(DER_TAG.oid, Buffer.from(bytes));
}

/** A BIT STRING of whole bytes (no unused bits). */
export const bitString = (bytes: Uint8Array): Buffer => tlv(DER_TAG.bitString, Buffer.concat([Buffer.from([0]), bytes]));

export const octetString = (bytes: Uint8Array): Buffer => tlv(DER_TAG.octetString, bytes);

export const derNull = (): Buffer => tlv(DER_TAG.null, Buffer.alloc(0));

/** One decoded element: its tag and content bytes (a view into the input). */
export interface DerElement {
  readonly tag: number;
  readonly content: Buffer;
  /** Offset just past this element in the input. */
  readonly end: number;
}

/** Reads the element at `offset`; throws on truncated input, indefinite or oversized lengths, or high tag numbers. */
export function readElement(input: Buffer, offset = 0): DerElement {
  const tag = input[offset];
  const first = input[offset + 1];
  if (tag === undefined || first === undefined) throw new Error(`DER: truncated header at offset ${offset}`);
  if ((tag & 0x1f) === 0x1f) throw new Error(`DER: high tag number at offset ${offset} is not supported`);
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error(`DER: unsupported length encoding at offset ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) {
      const b = input[start + i];
      if (b === undefined) throw new Error(`DER: truncated length at offset ${offset}`);
      length = length * 256 + b;
    }
    start += count;
  }
  const end = start + length;
  if (end > input.length) throw new Error(`DER: element at offset ${offset} runs past the end (${end} > ${input.length})`);
  return { tag, content: input.subarray(start, end), end };
}

/** The elements directly inside a constructed element's content. */
export function readChildren(content: Buffer): DerElement[] {
  const out: DerElement[] = [];
  for (let at = 0; at < content.length; ) {
    const el = readElement(content, at);
    out.push(el);
    at = el.end;
  }
  return out;
}

/** Dotted text of an OBJECT IDENTIFIER's content bytes. */
export function oidText(content: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const b of content) {
    value = value * 128 + (b & 0x7f);
    if (b & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join('.');
}
