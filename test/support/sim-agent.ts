// A simulated agent speaking the real agent protocol (lib/protocol schemas) over /ws/agent: for the
// scale bench (bench/scale.ts) and the write-behind tests. It supervises nothing: it reports apps of
// `processes` slots whose states it changes itself, answers every request "ok", and sends facts,
// status, transitions and log lines when told to.
import WebSocket from "ws";
import { type AgentToControl, AgentToControlSchema, type AppStatus, ControlToAgentSchema, type HostFacts, type ProcessInfo, type ProcessState, parseFrame } from "../../lib/protocol";

export type SimApp = { appId: string; revision: number; processes: ProcessInfo[] };

export function simFacts(name: string, startedAt: string, over: Partial<HostFacts> = {}): HostFacts {
  return {
    hostname: name,
    os: "Debian GNU/Linux 12 (bookworm)",
    kernel: "6.1.0-sim",
    arch: "x64",
    cpus: 4,
    memBytes: 8 * 2 ** 30,
    uptimeS: 1000,
    loadAvg: [0.1, 0.2, 0.3],
    agentVersion: "0.1.0-sim",
    agentPid: 4242,
    agentStartedAt: startedAt,
    agentRssBytes: 60 * 2 ** 20,
    isRoot: true,
    ...over,
  };
}

export function simProcesses(n: number): ProcessInfo[] {
  const now = new Date().toISOString();
  return Array.from({ length: n }, (_, slot) => ({
    slot,
    pid: 10_000 + slot,
    state: "RUNNING" as ProcessState,
    startedAt: now,
    restarts: 0,
    generation: 1,
    cpuPercent: 0.5,
    rssBytes: 24 * 2 ** 20,
    exitCode: null,
    lastOutput: "",
  }));
}

export class SimAgent {
  ws: WebSocket | null = null;
  readonly startedAt = new Date().toISOString();
  requests = 0;
  /** Apps whose live log the control plane asked for (logs.follow): as the real agent, only those send lines. */
  readonly followed = new Set<string>();

  constructor(
    readonly url: string,
    readonly hostKey: string,
    readonly name: string,
    readonly apps: SimApp[],
  ) {}

  /** Connects, says hello (facts and every app's status) and resolves once the socket is open. */
  connect(): Promise<void> {
    const u = new URL("ws/agent", this.url.endsWith("/") ? this.url : `${this.url}/`);
    u.protocol = "ws:";
    const ws = new WebSocket(u, { headers: { authorization: `Bearer ${this.hostKey}` }, perMessageDeflate: false });
    this.ws = ws;
    ws.on("message", (data) => this.onMessage(String(data)));
    return new Promise((resolve, reject) => {
      ws.once("open", () => {
        this.send({ type: "hello", facts: simFacts(this.name, this.startedAt), apps: this.apps.map((a) => this.status(a)) });
        resolve();
      });
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  status(app: SimApp): AppStatus {
    return {
      appId: app.appId,
      revision: app.revision,
      desired: "running",
      processes: app.processes,
      socket: { address: `unix:/run/stoker/${app.appId}.sock`, state: "listening", owner: "www-data", mode: "0660", detail: "" },
      lastError: "",
      runningRevision: app.revision,
      failedRevision: null,
      prematureErrors: 0,
    };
  }

  /** Every frame is checked against the real schema first: the bench must not measure malformed input. */
  send(msg: AgentToControl): void {
    const text = JSON.stringify(msg);
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(text);
  }

  static check(msg: AgentToControl): void {
    const parsed = AgentToControlSchema.safeParse(msg);
    if (!parsed.success) throw new Error(`a simulated agent built an invalid ${msg.type}: ${parsed.error.issues[0]?.message}`);
  }

  /** One process of an app changes state: the transition, then the app's status (as the agent sends them). */
  changeState(app: SimApp, slot: number, to: ProcessState, detail = ""): number {
    const p = app.processes[slot];
    const from = p.state;
    p.state = to;
    const at = Date.now();
    this.send({ type: "process.transitions", transitions: [{ appId: app.appId, slot, pid: p.pid, from, to, at: new Date(at).toISOString(), detail }] });
    this.send({ type: "apps.status", apps: [this.status(app)] });
    return at;
  }

  facts(over: Partial<HostFacts> = {}): void {
    this.send({ type: "facts", facts: simFacts(this.name, this.startedAt, over) });
  }

  /** New output of an app: on the wire only while it is followed, as the real agent does (agent/logs/log-service.ts). */
  logs(app: SimApp, texts: string[], stream: "out" | "err" = "out", seq = 0): boolean {
    if (!this.followed.has(app.appId)) return false;
    const ts = new Date().toISOString();
    this.send({ type: "logs.lines", appId: app.appId, lines: texts.map((text, i) => ({ ts, pid: app.processes[0]?.pid ?? 1, stream, text, seq: seq + i })), dropped: 0 });
    return true;
  }

  private onMessage(text: string): void {
    const msg = parseFrame(ControlToAgentSchema, text);
    if (!msg.ok || msg.value.type !== "request") return;
    this.requests++;
    // Whatever is asked (validate, put, follow, tail): done. Tails and queries are empty.
    const op = msg.value.op.op;
    if (msg.value.op.op === "logs.follow") {
      if (msg.value.op.on) this.followed.add(msg.value.op.appId);
      else this.followed.delete(msg.value.op.appId);
    }
    const value = op === "logs.tail" || op === "logs.since" ? { lines: [] } : {};
    this.send({ type: "reply", id: msg.value.id, ok: true, value });
  }

  close(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((r) => {
      ws.once("close", () => r());
      ws.close();
    });
  }
}
