// A FastCGI client: sends one responder request to a Unix or TCP socket and collects the answer.
// Used by readiness probes, "send a test request", run-by-hand and the doctor. What it keeps of an
// answer is capped (FASTCGI_CAPS): past the cap it stops reading and reports the answer truncated.
import { connect, type Socket } from "node:net";
import { encodeBeginRequest, encodeParams, encodeRecord, RecordDecoder, RecordType } from "./records";

export type FastcgiAddress = { path: string } | { host: string; port: number };

export type FastcgiResult = {
  stdout: Buffer;
  stderr: string;
  appStatus: number;
  protocolStatus: number;
  /** True when the answer passed the caps: stdout/stderr hold only its start, the rest was not read. */
  truncated: boolean;
};

/** What one request may keep in memory, whatever the app sends (an app can answer with gigabytes). */
export const FASTCGI_CAPS = { stdout: (1 << 20) + (64 << 10), stderr: 64 << 10 };

export class FastcgiError extends Error {
  constructor(
    readonly kind: "connect" | "timeout" | "closed",
    message: string,
  ) {
    super(message);
  }
}

export function parseAddress(address: string): FastcgiAddress {
  if (address.startsWith("unix:")) return { path: address.slice(5) };
  const tcp = address.replace(/^tcp:/, "");
  const i = tcp.lastIndexOf(":");
  return { host: tcp.slice(0, i).replace(/^\[|\]$/g, "").replace(/^localhost$/, "127.0.0.1"), port: Number(tcp.slice(i + 1)) };
}

export function fastcgiRequest(
  address: FastcgiAddress,
  params: Record<string, string>,
  stdin: Buffer = Buffer.alloc(0),
  timeoutMs = 5000,
  caps: { stdout: number; stderr: number } = FASTCGI_CAPS,
): Promise<FastcgiResult> {
  return new Promise((resolve, reject) => {
    const socket: Socket = "path" in address ? connect(address.path) : connect(address.port, address.host);
    const decoder = new RecordDecoder();
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = "";
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new FastcgiError("timeout", `No FastCGI response within ${timeoutMs} ms.`))),
      timeoutMs,
    );
    socket.on("connect", () => {
      const id = 1;
      const body = [encodeBeginRequest(id), encodeRecord(RecordType.PARAMS, id, encodeParams(params)), encodeRecord(RecordType.PARAMS, id)];
      if (stdin.length) body.push(encodeRecord(RecordType.STDIN, id, stdin));
      body.push(encodeRecord(RecordType.STDIN, id));
      socket.write(Buffer.concat(body));
    });
    socket.on("data", (data) => {
      for (const record of decoder.push(data)) {
        if (record.type === RecordType.STDOUT) {
          stdout.push(record.content);
          stdoutBytes += record.content.length;
        } else if (record.type === RecordType.STDERR) stderr += record.content.toString();
        // Over a cap: keep the start, stop reading (the app sees its connection close), say so.
        if (stdoutBytes > caps.stdout || stderr.length > caps.stderr) {
          const out = Buffer.concat(stdout).subarray(0, caps.stdout);
          finish(() => resolve({ stdout: out, stderr: stderr.slice(0, caps.stderr), appStatus: -1, protocolStatus: -1, truncated: true }));
          return;
        }
        if (record.type === RecordType.END_REQUEST) {
          const appStatus = record.content.readUInt32BE(0);
          const protocolStatus = record.content.readUInt8(4);
          finish(() => resolve({ stdout: Buffer.concat(stdout), stderr, appStatus, protocolStatus, truncated: false }));
        }
      }
    });
    socket.on("error", (e: NodeJS.ErrnoException) =>
      finish(() => reject(new FastcgiError("connect", `Cannot connect to the FastCGI socket: ${e.code ?? e.message}.`))),
    );
    socket.on("close", () =>
      finish(() => reject(new FastcgiError("closed", "The app closed the connection before ending the request (it may have crashed)."))),
    );
  });
}
