// FastCGI record codec (spec 1.0): record headers, name-value pairs, and a streaming decoder.
export const FCGI_VERSION = 1;
export const RecordType = {
  BEGIN_REQUEST: 1,
  ABORT_REQUEST: 2,
  END_REQUEST: 3,
  PARAMS: 4,
  STDIN: 5,
  STDOUT: 6,
  STDERR: 7,
  DATA: 8,
  GET_VALUES: 9,
  GET_VALUES_RESULT: 10,
  UNKNOWN_TYPE: 11,
} as const;
export const ROLE_RESPONDER = 1;
const MAX_CONTENT = 65535;

export type FcgiRecord = { type: number; requestId: number; content: Buffer };

export function encodeRecord(type: number, requestId: number, content: Buffer = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [];
  // Long content is split into several records; an empty record (end of stream) is still one record.
  let offset = 0;
  do {
    const chunk = content.subarray(offset, offset + MAX_CONTENT);
    const padding = (8 - (chunk.length % 8)) % 8;
    const header = Buffer.alloc(8);
    header.writeUInt8(FCGI_VERSION, 0);
    header.writeUInt8(type, 1);
    header.writeUInt16BE(requestId, 2);
    header.writeUInt16BE(chunk.length, 4);
    header.writeUInt8(padding, 6);
    parts.push(header, chunk, Buffer.alloc(padding));
    offset += chunk.length;
  } while (offset < content.length);
  return Buffer.concat(parts);
}

export function encodeBeginRequest(requestId: number, keepConn = false): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16BE(ROLE_RESPONDER, 0);
  body.writeUInt8(keepConn ? 1 : 0, 2);
  return encodeRecord(RecordType.BEGIN_REQUEST, requestId, body);
}

function encodeLength(n: number): Buffer {
  if (n < 128) return Buffer.from([n]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0, 0);
  return b;
}

export function encodeParams(params: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(params)) {
    const n = Buffer.from(name);
    const v = Buffer.from(value);
    parts.push(encodeLength(n.length), encodeLength(v.length), n, v);
  }
  return Buffer.concat(parts);
}

export function decodeParams(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const len = () => {
    if (buf[i] >> 7 === 0) return buf[i++];
    const n = buf.readUInt32BE(i) & 0x7fffffff;
    i += 4;
    return n;
  };
  while (i < buf.length) {
    const nl = len();
    const vl = len();
    out[buf.subarray(i, i + nl).toString()] = buf.subarray(i + nl, i + nl + vl).toString();
    i += nl + vl;
  }
  return out;
}

/** Feeds bytes in, yields complete records; keeps partial data between calls. */
export class RecordDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(data: Buffer): FcgiRecord[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    const records: FcgiRecord[] = [];
    while (this.buffer.length >= 8) {
      const contentLength = this.buffer.readUInt16BE(4);
      const total = 8 + contentLength + this.buffer.readUInt8(6);
      if (this.buffer.length < total) break;
      records.push({
        type: this.buffer.readUInt8(1),
        requestId: this.buffer.readUInt16BE(2),
        content: Buffer.from(this.buffer.subarray(8, 8 + contentLength)),
      });
      this.buffer = this.buffer.subarray(total);
    }
    return records;
  }
}
