/** Protobuf wire-format primitives for writing; `fork`/`ldelim` nest length-delimited messages. */

export class ProtoWriter {
  private chunks: Buffer[] = [];
  private readonly stack: Buffer[][] = [];

  tag(fieldId: number, wireType: number): void {
    this.uint32(((fieldId << 3) | wireType) >>> 0);
  }

  uint32(value: number): void {
    const out: number[] = [];
    let v = value >>> 0;
    while (v > 0x7f) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
    this.chunks.push(Buffer.from(out));
  }

  /** int32: negative values take 10 bytes (sign-extended to 64 bits), as the spec requires. */
  int32(value: number): void {
    if (value < 0) this.varint64(BigInt.asUintN(64, BigInt(value)));
    else this.uint32(value);
  }

  varint64(value: bigint): void {
    const out: number[] = [];
    let v = value;
    while (v > 0x7fn) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.chunks.push(Buffer.from(out));
  }

  fixed32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    this.chunks.push(b);
  }

  fixed64(value: bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(value);
    this.chunks.push(b);
  }

  double(value: number): void {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.chunks.push(b);
  }

  float(value: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.chunks.push(b);
  }

  bytes(value: Uint8Array): void {
    this.uint32(value.length);
    this.chunks.push(Buffer.from(value));
  }

  string(value: string): void {
    this.bytes(Buffer.from(value, 'utf8'));
  }

  /** Starts a length-delimited field `fieldId`; end it with ldelim(). */
  fork(fieldId: number): void {
    this.tag(fieldId, 2);
    this.stack.push(this.chunks);
    this.chunks = [];
  }

  ldelim(): void {
    const body = Buffer.concat(this.chunks);
    const outer = this.stack.pop();
    if (!outer) throw new Error('protobuf writer: ldelim without fork');
    this.chunks = outer;
    this.bytes(body);
  }

  finish(): Uint8Array {
    if (this.stack.length > 0) throw new Error('protobuf writer: unfinished fork');
    return Buffer.concat(this.chunks);
  }
}
