/** RFC 1928 SOCKS5 wire format: no-auth method negotiation and the CONNECT request, read from a paused socket. */
import type { Socket } from 'node:net';
import type { ByteReader } from '../proxy/byte-reader.js';
import { bytesToIp } from '../state/ip.js';
import type { OutboundTarget } from '../state/resolve.js';

export const SOCKS_VERSION = 5;
export const METHOD_NO_AUTH = 0x00;
export const METHOD_NONE_ACCEPTABLE = 0xff;
export const CMD_CONNECT = 0x01;

/** Reply codes (RFC 1928 §6). */
export const REPLY = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

/** Why a client is refused and what it is told before the socket closes (nothing: just close). */
export interface SocksRefusal {
  readonly ok: false;
  readonly reason: string;
  /** Request reply code (RFC 1928 §6). */
  readonly reply?: number;
  /** Raw bytes instead, for the method-negotiation refusal (`0x05 0xFF`). */
  readonly response?: Buffer;
}

export type SocksRequest = { readonly ok: true; readonly target: OutboundTarget } | SocksRefusal;

/** Reply with BND.ADDR 0.0.0.0:0 (Istio's ztunnel does not report the bound address either). */
export function encodeReply(code: number): Buffer {
  return Buffer.from([SOCKS_VERSION, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
}

/**
 * Method negotiation: ok when no-auth was offered (and accepted, reply written). A refusal carries the bytes to send
 * before closing (`0x05 0xFF` when no method is acceptable), so the caller can end the socket gracefully: destroying
 * it with a pipelined request still unread would turn the close into a RST that can overtake the reply.
 */
export async function negotiate(socket: Socket, reader: ByteReader): Promise<{ ok: true } | SocksRefusal> {
  const [ver, nmethods] = await reader.read(2);
  if (ver !== SOCKS_VERSION) return { ok: false, reason: `SOCKS version ${String(ver)} is not 5` };
  const methods = nmethods ? await reader.read(nmethods) : Buffer.alloc(0);
  if (!methods.includes(METHOD_NO_AUTH)) {
    return { ok: false, reason: 'client offered no acceptable authentication method', response: Buffer.from([SOCKS_VERSION, METHOD_NONE_ACCEPTABLE]) };
  }
  socket.write(Buffer.from([SOCKS_VERSION, METHOD_NO_AUTH]));
  return { ok: true };
}

export async function readRequest(reader: ByteReader): Promise<SocksRequest> {
  const [ver, cmd, , atyp] = await reader.read(4);
  if (ver !== SOCKS_VERSION) return { ok: false, reason: `SOCKS version ${String(ver)} is not 5` };
  if (cmd !== CMD_CONNECT) return { ok: false, reply: REPLY.commandNotSupported, reason: `command ${String(cmd)} is not CONNECT` };
  let target: OutboundTarget;
  if (atyp === 0x01 || atyp === 0x04) {
    const ip = bytesToIp(await reader.read(atyp === 0x01 ? 4 : 16))!;
    target = { kind: 'ip', ip, port: (await reader.read(2)).readUInt16BE(0) };
  } else if (atyp === 0x03) {
    const [len] = await reader.read(1);
    if (!len) return { ok: false, reply: REPLY.generalFailure, reason: 'empty domain name' };
    const name = (await reader.read(len)).toString('latin1');
    if (!/^[A-Za-z0-9.-]+$/.test(name)) return { ok: false, reply: REPLY.hostUnreachable, reason: `invalid domain name "${name}"` };
    target = { kind: 'hostname', hostname: name, port: (await reader.read(2)).readUInt16BE(0) };
  } else {
    return { ok: false, reply: REPLY.addressTypeNotSupported, reason: `address type ${String(atyp)} is not supported` };
  }
  if (target.port === 0) return { ok: false, reply: REPLY.generalFailure, reason: 'port 0' };
  return { ok: true, target };
}
