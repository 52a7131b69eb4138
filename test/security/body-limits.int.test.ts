// Issue 17 item 6: every route has a body limit, counted as the body streams (no Content-Length
// needed), answered with a 413 the client can read (the rest is drained, not reset).
import { connect } from "node:net";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlPlane, startControlPlane } from "./control-plane";
import { Tally } from "./tally";

const tally = new Tally("item 6: request body limits");
let cp: ControlPlane;
let token = "";
let LIMITS: typeof import("@/lib/http/limits").LIMITS;

beforeAll(async () => {
  cp = await startControlPlane();
  ({ LIMITS } = await import("@/lib/http/limits"));
  const { db } = await import("@/lib/db");
  const { hashSecret, newSecret } = await import("@/lib/auth/secrets");
  const owner = await db.user.create({ data: { email: "owner@example.com", role: "owner", passwordHash: null } });
  token = newSecret("stk");
  await db.apiToken.create({ data: { name: "t", role: "owner", userId: owner.id, tokenHash: hashSecret(token) } });
});

afterAll(async () => {
  tally.report();
  await cp?.close();
});

type Sent = { status: number | null; resetBeforeAnswer: boolean; sentBytes: number };

/**
 * Streams a body in 64 KiB chunks (chunked, or with a Content-Length) until the server answers or
 * `total` bytes are sent, then reads the answer. Raw TCP: a reset before the status line is visible.
 */
function streamBody(method: string, urlPath: string, headers: string[], total: number, chunked: boolean, endBody = true, timeoutMs = 30_000): Promise<Sent> {
  return new Promise((resolve) => {
    const sock = connect(cp.port, "127.0.0.1");
    let data = "";
    let sent = 0;
    let answered = false;
    let reset = false;
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      resolve({ status: m ? Number(m[1]) : null, resetBeforeAnswer: reset && !m, sentBytes: sent });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on("data", (d) => {
      data += d.toString("latin1");
      if (/\r\n\r\n/.test(data)) {
        answered = true;
        finish();
      }
    });
    sock.on("error", () => {
      reset = true;
      finish();
    });
    sock.on("end", finish);
    const head = [`${method} ${urlPath} HTTP/1.1`, `Host: 127.0.0.1:${cp.port}`, ...headers, chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${total}`];
    sock.write(`${head.join("\r\n")}\r\n\r\n`);
    const chunk = Buffer.alloc(64 << 10, 0x7b); // "{{{{": never valid JSON, never a valid archive
    const pump = () => {
      while (!answered && sent < total && !sock.destroyed) {
        sent += chunk.length;
        const ok = sock.write(chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]) : chunk);
        if (!ok) return void sock.once("drain", pump);
      }
      if (!answered && chunked && endBody && !sock.destroyed) sock.write("0\r\n\r\n");
    };
    pump();
  });
}

const json = ["Content-Type: application/json"];
const auth = () => [`Authorization: Bearer ${token}`];

describe("the routes the issue names", () => {
  const cases = () => [
    { what: "JSON login", method: "POST", path: "/api/v1/auth/login", headers: json, limit: LIMITS.jsonBody },
    { what: "JSON app spec", method: "POST", path: "/api/v1/apps", headers: [...json, ...auth()], limit: LIMITS.jsonBody },
    { what: "deploy webhook", method: "POST", path: "/api/v1/hooks/deploy/no-such-app", headers: json, limit: LIMITS.webhookBody },
    { what: "archive upload", method: "POST", path: "/api/v1/apps/no-such-app/deployments", headers: ["Content-Type: multipart/form-data; boundary=x", ...auth()], limit: LIMITS.uploadBody },
  ];

  for (const chunked of [true, false]) {
    it(`answers a body over the limit with a readable 413 (${chunked ? "chunked, no Content-Length" : "Content-Length"})`, async () => {
      for (const c of cases()) {
        await tally.attack(`${c.what}, ${chunked ? "chunked" : "declared"}, limit + 2 MiB`, async () => {
          const r = await streamBody(c.method, c.path, c.headers, c.limit + (2 << 20), chunked);
          if (r.resetBeforeAnswer) return "connection reset before the client read an answer";
          return r.status === 413 || `status ${r.status} after ${r.sentBytes} bytes`;
        });
      }
      expect((await fetch(`${cp.url}/api/v1/health`)).status).toBe(200);
      tally.expectAllRefused();
    });
  }

  it("still takes a body just under the limit (the limit is not a blanket refusal)", async () => {
    const body = JSON.stringify({ email: "a@example.com", password: "x".repeat(100) });
    const res = await fetch(`${cp.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(401);
  });
});

describe("every route that takes a body", () => {
  const API = path.resolve("app/api/v1");
  const routeFiles = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? routeFiles(p) : name === "route.ts" ? [p] : [];
    });

  // The body never ends: a route that counts answers 413 at the limit, one that ignores bodies answers
  // at once, and one that buffers without a limit never answers (that is the failure).
  it("answers a never-ending body on every POST, PUT, PATCH and DELETE without waiting for its end", async () => {
    let routes = 0;
    for (const file of routeFiles(API)) {
      const mod = (await import(file)) as Record<string, unknown>;
      const urlPath = `/api/v1/${path.relative(API, path.dirname(file))}`.replace(/\[(\w+)\]/g, (_m, p: string) => (p === "action" ? "restart" : p === "pid" ? "1" : "no-such-id"));
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        if (!mod[method]) continue;
        routes++;
        await tally.attack(`${method} ${urlPath}`, async () => {
          const r = await streamBody(method, urlPath, [...json, ...auth()], LIMITS.jsonBody + (1 << 20), true, false, 10_000);
          if (r.resetBeforeAnswer) return "reset before an answer";
          if (r.status === null) return `no answer after ${r.sentBytes} bytes: the route waits for the whole body`;
          return r.status < 500 || `status ${r.status}`;
        });
      }
    }
    expect(routes).toBeGreaterThan(20);
    expect((await fetch(`${cp.url}/api/v1/health`)).status).toBe(200);
    tally.expectAllRefused();
  });
});
