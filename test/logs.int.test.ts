// Live tail over /ws/ui through the whole stack: a dropped WebSocket resumes from the last line
// seen, with no gap and no duplicate, while the app keeps writing; history and tracebacks via the API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ownerToken, type Stack, startStack, waitUntil } from "./support/stack";

type Line = { ts: string; pid: number; stream: string; text: string; seq?: number };
let stack: Stack;
let token: string;
let appId: string;

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${stack.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
  return res.json() as Promise<unknown>;
};
const hit = (path: string) => api("POST", `/apps/${appId}/test-request`, { method: "GET", path });

function follow(afterSeq?: number) {
  const lines: Line[] = [];
  const ws = new WebSocket(`${stack.url.replace("http", "ws")}/ws/ui`, { headers: { authorization: `Bearer ${token}` } });
  ws.on("open", () => ws.send(JSON.stringify({ type: "logs.follow", appId, ...(afterSeq !== undefined ? { afterSeq } : {}) })));
  ws.on("message", (d) => {
    const m = JSON.parse(String(d)) as { type: string; appId?: string; lines?: Line[] };
    if (m.type === "logs.lines" && m.appId === appId) lines.push(...(m.lines ?? []));
  });
  return { ws, lines };
}

beforeAll(async () => {
  stack = await startStack();
  token = await ownerToken(stack.url);
  const apps = await waitUntil(async () => {
    const list = (await api("GET", "/apps")) as { id: string; processes: { state: string }[] }[];
    return list[0]?.processes.every((p) => p.state === "RUNNING") && list[0].processes.length === 2 ? list : null;
  }, 30_000);
  appId = apps[0].id;
}, 180_000);

afterAll(async () => {
  await stack?.destroy();
});

describe("live log tail", () => {
  it("resumes after a dropped socket with no gap and no duplicate", async () => {
    const first = follow();
    await waitUntil(async () => first.lines.length > 0, 10_000, "the initial tail");
    for (let i = 0; i < 30; i++) await hit(`/before-${i}`);
    await waitUntil(async () => first.lines.some((l) => l.text.includes("/before-29 ")), 10_000, "live lines");
    first.ws.terminate(); // a network blip
    const lastSeq = first.lines.at(-1)?.seq;
    expect(typeof lastSeq).toBe("number");
    for (let i = 0; i < 30; i++) await hit(`/during-${i}`); // written while nobody listens
    const second = follow(lastSeq);
    for (let i = 0; i < 30; i++) await hit(`/after-${i}`);
    await waitUntil(async () => second.lines.some((l) => l.text.includes("/after-29 ")), 10_000, "resumed lines");
    second.ws.close();

    const seen = [...first.lines, ...second.lines];
    const seqs = seen.map((l) => l.seq);
    expect(new Set(seqs).size).toBe(seqs.length); // no duplicate
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!).toBe(true); // in order
    // No gap: every request line written after the first one seen arrived, once. In request order
    // per process; across the app's two processes the agent reads two pipes, and a line a process
    // writes after its answer can come after the other process's line for the next request.
    const expected = [...Array.from({ length: 30 }, (_, i) => `/before-${i}`), ...Array.from({ length: 30 }, (_, i) => `/during-${i}`), ...Array.from({ length: 30 }, (_, i) => `/after-${i}`)];
    const requests = seen.map((l) => ({ pid: l.pid, path: /GET (\/\S+) 200/.exec(l.text)?.[1] ?? "" })).filter((r) => expected.includes(r.path));
    expect(requests.map((r) => r.path).sort()).toEqual([...expected].sort());
    for (const pid of new Set(requests.map((r) => r.pid))) {
      const mine = requests.filter((r) => r.pid === pid).map((r) => r.path);
      expect(mine, `pid ${pid}`).toEqual(expected.filter((p) => mine.includes(p)));
    }
  });

  it("finds lines in history by regex and groups the app's tracebacks", async () => {
    for (let i = 0; i < 3; i++) await hit(`/fail-${i * 1000 + 7}`);
    const page = (await api("GET", `/apps/${appId}/logs?regex=${encodeURIComponent("GET /during-1[0-9] ")}&limit=100`)) as { lines: Line[] };
    expect(page.lines.map((l) => /\/during-\d+/.exec(l.text)?.[0])).toEqual(Array.from({ length: 10 }, (_, i) => `/during-1${i}`));
    const groups = await waitUntil(async () => {
      const g = (await api("GET", `/apps/${appId}/tracebacks`)) as { type: string; count: number; language: string }[];
      return g.find((x) => x.count >= 3) ? g : null;
    }, 15_000, "a traceback group of 3");
    // The same bug with different ids in the message is one group.
    expect(groups).toHaveLength(1);
    expect(groups[0].language).toBe("node");
    expect(groups[0].type).toBe("Error");
  });

  it("downloads the whole history as plain 'time pid stream text' lines", async () => {
    const res = await fetch(`${stack.url}/api/v1/apps/${appId}/logs/download`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trimEnd().split("\n");
    const during = lines.filter((l) => / GET \/during-\d+ 200/.test(l));
    expect(during).toHaveLength(30);
    for (const line of during) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z [1-9]\d* (out|err) .*GET \/during-\d+ 200/);
  });

  it("answers a pattern that backtracking engines choke on at once (RE2, linear time)", async () => {
    await hit(`/${"a".repeat(3000)}!`); // a line that makes (a+)+$ backtrack exponentially in a backtracking engine
    const t0 = performance.now();
    const res = await fetch(`${stack.url}/api/v1/apps/${appId}/logs?regex=${encodeURIComponent("(a+)+$")}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(5_000); // a backtracking engine takes longer than the universe
    const again = (await api("GET", `/apps/${appId}/logs?limit=1`)) as { lines: Line[] };
    expect(again.lines).toHaveLength(1); // the agent still answers
  });
});
