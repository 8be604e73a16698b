/** Protobuf wire-format primitives for reading (varints, fixed widths, length-delimited), bounds-checked. */

export class ProtoReader {
  pos = 0;
  private readonly buf: Buffer;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  /** A varint as an unsigned 64-bit BigInt. */
  varint64(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new Error('protobuf: varint longer than 10 bytes');
  }

  /** A varint's low 32 bits, unsigned (fast path for tags, lengths, uint32, enums). */
  uint32(): number {
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if (b < 0x80) return result >>> 0;
    }
    const b = this.byte();
    result |= (b & 0x0f) << 28;
    if (b >= 0x80) for (let i = 0; i < 5 && this.byte() >= 0x80; i++) if (i === 4) throw new Error('protobuf: varint longer than 10 bytes');
    return result >>> 0;
  }

  int32(): number {
    return this.uint32() | 0;
  }

  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  int64(): number {
    return Number(BigInt.asIntN(64, this.varint64()));
  }

  uint64(): number {
    return Number(this.varint64());
  }

  sint64(): number {
    const n = this.varint64();
    return Number((n >> 1n) ^ -(n & 1n));
  }

  fixed32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  fixed64(signed: boolean): number {
    this.need(8);
    const v = signed ? this.buf.readBigInt64LE(this.pos) : this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return Number(v);
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  float(): number {
    this.need(4);
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A length prefix, checked against what is left. */
  len(): number {
    const n = this.uint32();
    this.need(n);
    return n;
  }

  /** A copy, so a small field never pins a large response buffer. */
  bytes(): Buffer {
    const n = this.len();
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  string(): string {
    const n = this.len();
    const out = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Skips one field's value of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.need(8);
        this.pos += 8;
        return;
      case 2: {
        const n = this.len(); // read first: `this.pos += this.len()` would add to the pre-length position
        this.pos += n;
        return;
      }
      case 3:
        for (let tag = this.uint32(); (tag & 7) !== 4; tag = this.uint32()) this.skip(tag & 7);
        return;
      case 5:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new Error(`protobuf: invalid wire type ${wireType} at offset ${this.pos}`);
    }
  }

  private byte(): number {
    const b = this.buf[this.pos];
    if (b === undefined) throw new Error(`protobuf: truncated at offset ${this.pos}`);
    this.pos++;
    return b;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`protobuf: ${n} bytes needed at offset ${this.pos}, ${this.buf.length - this.pos} left`);
  }
}
