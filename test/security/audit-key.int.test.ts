// Security item 5: the audit chain is keyed (HMAC, key outside the database). Someone who can write
// the database but not read the key rewrites history consistently (edits a row, recomputes every
// later hash the old unkeyed way, moves the head): verify must catch it. A chain written before the
// key existed is re-signed once, and signed checkpoints prove what the history was.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Tally } from "./tally";

const dataDir = mkdtempSync(path.join(tmpdir(), "stoker-audit-key-"));
process.env.STOKER_DATA_DIR = dataDir;
delete process.env.STOKER_AUDIT_KEY;
const tally = new Tally("item 5: keyed audit chain");
type Route = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
let routes: Record<string, Record<string, Route>>;
let owner = "";

const dbFile = () => path.join(dataDir, "stoker.db");
type Row = { id: number; ts: string; actorType: string; actorId: string; actorLabel: string; action: string; target: string; before: string; after: string; ip: string; result: string; prevHash: string; hash: string };

/** The pre-key algorithm, as an attacker without the key would use it. */
function unkeyed(r: Row): string {
  const raw = String(r.ts); // as SQLite holds it: epoch ms or an ISO string
  const ts = new Date(/^\d+$/.test(raw) ? Number(raw) : raw).toISOString();
  return createHash("sha256").update(JSON.stringify([r.id, ts, r.actorType, r.actorId, r.actorLabel, r.action, r.target, r.before, r.after, r.ip, r.result, r.prevHash])).digest("hex");
}

/** Rewrites the chain from row `from` on, consistently, without the key. */
function rewriteWithoutKey(from: number, edit: (r: Row) => void): void {
  const db = new Database(dbFile());
  const rows = db.prepare("SELECT * FROM AuditEvent ORDER BY id").all() as Row[];
  let prev = rows.find((r) => r.id === from - 1)?.hash ?? "0".repeat(64);
  const update = db.prepare("UPDATE AuditEvent SET actorLabel = ?, prevHash = ?, hash = ? WHERE id = ?");
  for (const r of rows.filter((x) => x.id >= from)) {
    if (r.id === from) edit(r);
    r.prevHash = prev;
    r.hash = unkeyed(r);
    update.run(r.actorLabel, r.prevHash, r.hash, r.id);
    prev = r.hash;
  }
  db.prepare("UPDATE Setting SET value = ? WHERE key = 'audit.head'").run(prev);
  db.close();
}

async function call(route: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const req = new Request(`http://localhost/api/v1/${route}`, { method, headers: { "content-type": "application/json", ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const res = await routes[route][method](req, { params: Promise.resolve({}) });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown>, cookie: res.headers.get("set-cookie")?.split(";")[0] ?? "" };
}

beforeAll(async () => {
  const migrated = spawnSync(process.execPath, ["scripts/migrate.mjs", "deploy"], { env: { ...process.env, STOKER_DATA_DIR: dataDir } });
  expect(migrated.status, String(migrated.stderr)).toBe(0);
  // A chain from before the key: two events hashed the old way, as an older Stoker wrote them
  // (through Prisma, so the columns hold what it writes; appendAudit is not used, it would key them).
  const { db } = await import("@/lib/db");
  let prev = "0".repeat(64);
  for (const [id, action] of [[1, "legacy.one"], [2, "legacy.two"]] as const) {
    const ts = new Date(Date.UTC(2026, 0, id));
    const r: Row = { id, ts: ts.toISOString(), actorType: "system", actorId: "", actorLabel: "system", action, target: "", before: "", after: "", ip: "", result: "success", prevHash: prev, hash: "" };
    r.hash = unkeyed(r);
    await db.auditEvent.create({ data: { ...r, ts } });
    prev = r.hash;
  }
  await db.setting.create({ data: { key: "audit.head", value: prev } });
  routes = {
    "auth/setup": (await import("@/app/api/v1/auth/setup/route")) as unknown as Record<string, Route>,
    tokens: (await import("@/app/api/v1/tokens/route")) as unknown as Record<string, Route>,
    "audit/verify": (await import("@/app/api/v1/audit/verify/route")) as unknown as Record<string, Route>,
    "audit/checkpoint": (await import("@/app/api/v1/audit/checkpoint/route")) as unknown as Record<string, Route>,
  };
  const setup = await call("auth/setup", "POST", { email: "owner@example.com", password: "a-very-long-password" });
  const created = await call("tokens", "POST", { name: "t" }, { cookie: setup.cookie, "x-stoker-csrf": "1" });
  owner = String(created.body.token);
}, 60_000);

afterAll(() => {
  tally.report();
  rmSync(dataDir, { recursive: true, force: true });
});

const verify = async () => (await call("audit/verify", "GET", undefined, { authorization: `Bearer ${owner}` })).body;

describe("the keyed audit chain", () => {
  it("keeps its key outside the database, 0600, and re-signs an older unkeyed chain once", async () => {
    const key = path.join(dataDir, "keys", "audit.key");
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path.join(dataDir, "keys", "audit-chain.json"), "utf8"))).toMatchObject({ rows: 2, resigned: 2 });
    expect(await verify()).toMatchObject({ ok: true, firstBrokenId: null });
    const db = new Database(dbFile());
    const first = db.prepare("SELECT * FROM AuditEvent WHERE id = 1").get() as Row;
    db.close();
    expect(first.hash).not.toBe(unkeyed(first)); // now an HMAC: the old way no longer produces it
  });

  it("catches every consistent rewrite made without the key", async () => {
    const last = (await verify()).checked as number;
    const cases: [string, number][] = [["the first event", 1], ["a middle event", 2], ["the newest event", last]];
    for (const [what, id] of cases) {
      await tally.attack(`rewrite ${what} and recompute every later hash unkeyed`, async () => {
        const db = new Database(dbFile());
        const saved = db.prepare("SELECT id, actorLabel, prevHash, hash FROM AuditEvent ORDER BY id").all() as Row[];
        const head = (db.prepare("SELECT value FROM Setting WHERE key = 'audit.head'").get() as { value: string }).value;
        db.close();
        rewriteWithoutKey(id, (r) => {
          r.actorLabel = "someone else";
        });
        const v = await verify();
        // Put the real history back for the next case.
        const restore = new Database(dbFile());
        for (const r of saved) restore.prepare("UPDATE AuditEvent SET actorLabel = ?, prevHash = ?, hash = ? WHERE id = ?").run(r.actorLabel, r.prevHash, r.hash, r.id);
        restore.prepare("UPDATE Setting SET value = ? WHERE key = 'audit.head'").run(head);
        restore.close();
        return (v.ok === false && v.firstBrokenId === id) || `verify said ${JSON.stringify(v)}`;
      });
    }
    tally.expectAllRefused(cases.length);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it("exports a signed checkpoint that later proves the history unchanged, or changed", async () => {
    const cp = (await call("audit/checkpoint", "GET", undefined, { authorization: `Bearer ${owner}` })).body;
    expect(cp).toMatchObject({ version: 1, id: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await call("audit/checkpoint", "POST", cp, { authorization: `Bearer ${owner}` })).body).toMatchObject({ ok: true });
    await tally.attack("a forged checkpoint (signature not made with the key)", async () => {
      const r = (await call("audit/checkpoint", "POST", { ...cp, hash: "f".repeat(64) }, { authorization: `Bearer ${owner}` })).body;
      return (r.ok === false && r.signed === false) || JSON.stringify(r);
    });
    await tally.attack("history rewritten after a checkpoint", async () => {
      rewriteWithoutKey(1, (r) => {
        r.actorLabel = "rewritten";
      });
      const r = (await call("audit/checkpoint", "POST", cp, { authorization: `Bearer ${owner}` })).body;
      return (r.ok === false && r.present === false) || JSON.stringify(r);
    });
    tally.expectAllRefused(2);
    expect(existsSync(path.join(dataDir, "keys", "audit.key"))).toBe(true);
  });
});
