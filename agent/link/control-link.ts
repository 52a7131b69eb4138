// The agent's outbound WebSocket to the control plane: authenticates with the host key,
// reports facts and process state, executes requests, and reconnects with jittered backoff. Given
// several control-plane URLs (replicas), each reconnect tries the next one, so the death of the
// replica it was on moves it to another.
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { type AgentToControl, ControlToAgentSchema, type DeployProgress, parseFrame, type ProcessTransition } from "../../lib/protocol";
import { hostFacts } from "../host-facts";
import { onStorageChange } from "../logs/log-storage-status";
import type { Supervisor } from "../supervisor/supervisor";
import { err } from "../../lib/protocol/result";
import { restartFrom } from "../install/self-restart";
import { upgradeAgent } from "../install/upgrade-agent";
import type { Credentials } from "./credentials";

const MAX_QUEUED_TRANSITIONS = 5000;
const BATCH = 1000; // transitions a message (the protocol's bound)
const MAX_QUEUED_FINALS = 100; // deployments' outcomes awaiting a control plane

export class ControlLink {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private closed = false;
  // Transitions stay queued until the control plane says they are stored (transitions.ack), and
  // what was sent but not acknowledged goes again after a reconnect, to whichever replica answers:
  // each carries (boot, seq), which the control plane stores once. None is lost with a replica
  // that died between receiving and storing, and none is stored twice.
  private readonly boot = randomUUID();
  private seq = 0;
  private queued: ProcessTransition[] = [];
  private sentUpTo = 0; // the highest seq sent on this connection
  private acks: boolean | null = null; // this control plane acknowledges (an older one does not: sent is done); null until its welcome
  // A deployment's outcome must survive a disconnect, and a replica that died before storing it:
  // kept until the control plane says it is stored (deploy.ack), sent again after each welcome.
  private finals = new Map<string, DeployProgress>();
  private factsTimer: NodeJS.Timeout | null = null;
  private urls: string[];
  private urlIndex = 0;

  constructor(
    private creds: Credentials,
    private supervisor: Supervisor,
    private log: (msg: string) => void = (m) => console.log(`[agent] ${m}`),
    moreUrls: string[] = [],
  ) {
    this.urls = [...new Set([creds.url, ...moreUrls])];
    supervisor.listen({
      status: (apps) => this.send({ type: "apps.status", apps }),
      transition: (t) => {
        this.queued.push({ ...t, seq: ++this.seq });
        if (this.queued.length > MAX_QUEUED_TRANSITIONS) this.queued.shift();
        this.flushTransitions();
      },
    });
  }

  start(): void {
    this.supervisor.logs.setSender((appId, lines, dropped) => this.send({ type: "logs.lines", appId, lines, dropped }));
    this.supervisor.rooms.setPtySender({
      output: (sessionId, data) => this.send({ type: "pty.output", sessionId, data }),
      exit: (sessionId, code, reason) => this.send({ type: "pty.exit", sessionId, code, reason }),
    });
    this.supervisor.rooms.setDeploySender({
      progress: (msg) => {
        if (msg.deployment.status !== "running") {
          this.finals.delete(msg.deploymentId); // newest last: the order they are sent again in
          this.finals.set(msg.deploymentId, msg);
          while (this.finals.size > MAX_QUEUED_FINALS) this.finals.delete(this.finals.keys().next().value as string);
          if (this.acks === null) return; // sent with the others after the welcome
        }
        this.send(msg);
        if (this.acks === false) this.finals.delete(msg.deploymentId);
      },
      output: (msg) => this.send(msg),
    });
    // Samples taken while the control plane is away stay on disk: the last hour is resent on connect.
    this.supervisor.metrics.setSender((samples) => this.send({ type: "metrics.samples", samples }));
    this.connect();
    this.factsTimer = setInterval(() => this.send({ type: "facts", facts: hostFacts(this.supervisor.webServers.facts()) }), 10_000);
    this.factsTimer.unref();
    onStorageChange(() => this.send({ type: "facts", facts: hostFacts(this.supervisor.webServers.facts()) })); // disk full, and back: say so at once
  }

  private get url(): string {
    return this.urls[this.urlIndex % this.urls.length];
  }

  private wsUrl(): string {
    const u = new URL("ws/agent", this.url.endsWith("/") ? this.url : `${this.url}/`);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    return u.toString();
  }

  private connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.wsUrl(), { headers: { authorization: `Bearer ${this.creds.hostKey}` }, maxPayload: 16 << 20 }); // an uploaded archive (10 MiB, base64) fits in one request
    this.ws = ws;
    ws.on("open", () => {
      this.attempt = 0;
      this.sentUpTo = 0; // everything not acknowledged goes again
      this.acks = null; // nothing is sent until the welcome says whether it acknowledges
      this.log(`connected to ${this.url}`);
      this.send({ type: "hello", facts: hostFacts(this.supervisor.webServers.facts()), apps: this.supervisor.status() });
      this.supervisor.metrics.resend();
    });
    ws.on("unexpected-response", (_req, res) => {
      this.log(
        res.statusCode === 401
          ? "the control plane refused this host key (was the host deleted?); run `stoker agent join URL TOKEN` again"
          : `the control plane answered HTTP ${res.statusCode}`,
      );
      ws.terminate();
    });
    ws.on("message", (data) => void this.onMessage(String(data)));
    ws.on("error", (e) => this.log(`connection error: ${e.message}`));
    ws.on("close", () => {
      this.ws = null;
      this.acks = null; // whoever answers next says again whether it acknowledges
      this.supervisor.logs.unfollowAll(); // the control plane re-sends its follows after reconnecting
      if (this.closed) return;
      this.urlIndex++; // the next replica, if there are several
      // Full jitter: agents of many hosts must not reconnect in lockstep after an outage.
      const cap = Math.min(15_000, 500 * 2 ** this.attempt++);
      setTimeout(() => this.connect(), Math.round(Math.random() * cap) + 100);
    });
  }

  private async onMessage(text: string): Promise<void> {
    const parsed = parseFrame(ControlToAgentSchema, text);
    if (!parsed.ok) {
      this.log(`refused an invalid message: ${parsed.why}`);
      this.send({ type: "error", message: `Invalid message: ${parsed.why}` });
      return;
    }
    const msg = parsed.value;
    switch (msg.type) {
      case "welcome":
        this.log(`the control plane knows this host as ${msg.hostName} (${msg.hostId})`); // every welcome, first or after a reconnect: no enrolment happens here
        if (msg.webTargets) this.supervisor.webServers.setHostSetting(msg.webTargets);
        this.acks = msg.acks === true;
        this.flushTransitions();
        for (const final of this.finals.values()) this.send(final);
        if (!this.acks) this.finals.clear(); // an older control plane: sent is done
        return;
      case "deploy.ack":
        this.finals.delete(msg.deploymentId);
        return;
      case "transitions.ack":
        if (msg.boot === this.boot) this.acknowledged(msg.seq);
        return;
      case "sync":
        for (const r of await this.supervisor.sync(msg.apps)) this.log(`app "${r.name}" is not running: ${r.message}`);
        return;
      case "error":
        this.log(`control plane says: ${msg.message}`);
        return;
      case "pty.input":
        this.supervisor.rooms.debugIfLoaded()?.input(msg.sessionId, msg.data);
        return;
      case "pty.resize":
        this.supervisor.rooms.debugIfLoaded()?.resize(msg.sessionId, msg.cols, msg.rows);
        return;
      case "pty.close":
        this.supervisor.rooms.debugIfLoaded()?.close(msg.sessionId);
        return;
      case "request": {
        if (msg.op.op === "agent.upgrade") {
          await this.upgrade(msg.id, msg.op);
          return;
        }
        const result = await this.supervisor.execute(msg.op).catch((e: unknown) => {
          this.log(`request ${msg.op.op} crashed: ${e instanceof Error ? e.stack : String(e)}`);
          return { ok: false as const, code: "INTERNAL", message: "The agent hit an internal error; see its log." };
        });
        if (result.ok) this.send({ type: "reply", id: msg.id, ok: true, value: result.value });
        else this.send({ type: "reply", id: msg.id, ok: false, code: result.code, message: result.message, detail: "detail" in result ? result.detail : undefined, fields: "fields" in result ? result.fields : undefined });
        return;
      }
    }
  }

  /** Upgrades from this link's own control plane (never a URL the request names), answers, then restarts into the new agent. */
  private async upgrade(id: string, op: { build: string; sha256: string }): Promise<void> {
    this.log(`upgrading to build ${op.build}`);
    const result = await upgradeAgent(this.creds.url, op).catch((e: unknown) => {
      this.log(`upgrade crashed: ${e instanceof Error ? e.stack : String(e)}`);
      return err("INTERNAL", "The agent hit an internal error while upgrading; see its log.");
    });
    if (!result.ok) {
      this.log(`upgrade refused: ${result.message}`);
      this.send({ type: "reply", id, ok: false, code: result.code, message: result.message });
      return;
    }
    this.send({ type: "reply", id, ok: true, value: result.value });
    // The reply first: the control plane learns the outcome before this agent goes away.
    const ws = this.ws;
    const restart = () => restartFrom(result.value.prefix, this.log);
    if (ws && ws.bufferedAmount > 0) setTimeout(restart, 500);
    else setTimeout(restart, 100);
  }

  private flushTransitions(): void {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || this.acks === null) return;
    const from = this.queued.findIndex((t) => (t.seq ?? 0) > this.sentUpTo);
    if (from < 0) return;
    const batch = this.queued.slice(from, from + BATCH);
    this.sentUpTo = batch[batch.length - 1].seq ?? 0;
    this.send({ type: "process.transitions", transitions: batch, boot: this.boot });
    if (!this.acks) this.dropSent();
    if (from + BATCH < this.queued.length) setImmediate(() => this.flushTransitions());
  }

  /** Stored up to seq: off the queue. */
  private acknowledged(seq: number): void {
    let n = 0;
    while (n < this.queued.length && (this.queued[n].seq ?? 0) <= seq) n++;
    this.queued.splice(0, n);
  }

  /** A control plane that does not acknowledge (an older version): what it was sent is delivered. */
  private dropSent(): void {
    this.acknowledged(this.sentUpTo);
  }

  private send(msg: AgentToControl): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  stop(): void {
    this.closed = true;
    if (this.factsTimer) clearInterval(this.factsTimer);
    this.ws?.close();
  }
}
