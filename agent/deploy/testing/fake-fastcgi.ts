// Test support: a minimal FastCGI responder on a Unix socket whose answer a test can change,
// standing in for an app's processes when a unit test drives the deployment hooks itself.
import { createServer, type Server } from "node:net";
import { decodeParams, encodeRecord, RecordDecoder, RecordType } from "../../fastcgi/records";

export type FakeAnswer = (params: Record<string, string>) => { status: number; body: string };

export type FakeFastcgi = { setAnswer(a: FakeAnswer): void; requests: number; close(): Promise<void> };

export async function startFakeFastcgi(socketPath: string, answer: FakeAnswer): Promise<FakeFastcgi> {
  let current = answer;
  const state = { requests: 0 };
  const server: Server = createServer((conn) => {
    const decoder = new RecordDecoder();
    let params = Buffer.alloc(0);
    conn.on("data", (data) => {
      for (const r of decoder.push(data)) {
        if (r.type === RecordType.PARAMS) params = Buffer.concat([params, r.content]);
        if (r.type === RecordType.STDIN && r.content.length === 0) {
          state.requests++;
          const a = current(decodeParams(params));
          const out = Buffer.from(`Status: ${a.status}\r\nContent-Type: text/plain\r\n\r\n${a.body}`);
          const end = Buffer.alloc(8);
          conn.end(Buffer.concat([encodeRecord(RecordType.STDOUT, r.requestId, out), encodeRecord(RecordType.STDOUT, r.requestId), encodeRecord(RecordType.END_REQUEST, r.requestId, end)]));
        }
      }
    });
    conn.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    setAnswer: (a) => {
      current = a;
    },
    get requests() {
      return state.requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
