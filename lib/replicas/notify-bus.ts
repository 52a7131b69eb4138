// The transport between control-plane replicas: PostgreSQL LISTEN/NOTIFY on one channel (DESIGN 6),
// over one connection of its own per replica (a pooled connection would lose its LISTEN). Messages
// queued in one turn of the event loop go out together, several to a notification; one larger than
// a notification's 8000 bytes is cut into numbered chunks, which arrive in order (one sender, one
// connection) and are put back together. The connection is re-opened after a failure, and `onReady`
// then runs again (a replica that lost its LISTEN may have missed presence: it asks again).
import "server-only";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { parseFrame, type ReplicaMessage, ReplicaMessageSchema } from "../protocol";

export const CHANNEL = "stoker_replicas";
const PAYLOAD_MAX_BYTES = 7800; // PostgreSQL refuses a payload of 8000 bytes or more
const CHUNK_CHARS = 1900; // at most 4 bytes a character: a chunk and its header stay under the limit
const CHUNKS_KEPT_MS = 30_000;
const RECONNECT_MS = 1000;

type Partial = { parts: string[]; got: number; at: number };

export class NotifyBus {
  readonly replicaId = randomUUID();
  private client: pg.Client | null = null;
  private queue: string[] = [];
  private flushing = false;
  private partials = new Map<string, Partial>();
  private closed = false;
  sent = 0; // notifications, for the scale bench
  received = 0;

  constructor(
    private readonly url: string,
    /** `text`: the message as it arrived (validated: `m` is what the schema made of it). */
    private readonly onMessage: (m: ReplicaMessage, text: string) => void,
    private readonly onReady: () => void,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: `stoker-replica ${this.replicaId}` });
    client.on("notification", (n) => {
      if (n.channel === CHANNEL && n.payload) this.receive(n.payload);
    });
    client.on("error", (e) => {
      console.error(`[stoker] replica bus connection lost: ${e.message}; reconnecting`);
      this.reconnect(client);
    });
    client.on("end", () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
    this.onReady();
    this.schedule();
  }

  private reconnect(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    const retry = () => {
      if (this.closed) return;
      this.start().catch((e: Error) => {
        console.error(`[stoker] replica bus: ${e.message}; retrying`);
        setTimeout(retry, RECONNECT_MS).unref();
      });
    };
    setTimeout(retry, RECONNECT_MS).unref();
  }

  /** Queues a message; it leaves with the others queued in this turn of the event loop. */
  post(m: ReplicaMessage): void {
    this.postText(JSON.stringify(m));
  }

  /** Queues a message already serialised (JSON.stringify of a ReplicaMessage, or the same text built by hand). */
  postText(text: string): void {
    if (Buffer.byteLength(text) <= PAYLOAD_MAX_BYTES) this.queue.push(text);
    else {
      const id = randomUUID().slice(0, 8);
      const parts: string[] = [];
      for (let i = 0; i < text.length; ) {
        let end = Math.min(text.length, i + CHUNK_CHARS);
        if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1])) end--; // never split a surrogate pair
        parts.push(text.slice(i, end));
        i = end;
      }
      for (const [n, p] of parts.entries()) this.queue.push(`#${id} ${n + 1}/${parts.length} ${p}`);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.flushing || !this.queue.length || !this.client) return;
    this.flushing = true;
    setImmediate(() => void this.flush());
  }

  /** Sends the queue, packed into as few notifications as fit (lines: JSON never holds a raw newline). */
  private async flush(): Promise<void> {
    try {
      while (this.queue.length && this.client) {
        let payload = this.queue[0];
        let n = 1;
        while (n < this.queue.length && Buffer.byteLength(payload) + Buffer.byteLength(this.queue[n]) + 1 <= PAYLOAD_MAX_BYTES) payload += `\n${this.queue[n++]}`;
        await this.client.query("SELECT pg_notify($1, $2)", [CHANNEL, payload]);
        this.queue.splice(0, n);
        this.sent++;
      }
    } catch (e) {
      // The connection failed: the queue stays and goes out once it is back.
      console.error(`[stoker] replica bus: could not notify (${(e as Error).message})`);
    } finally {
      this.flushing = false;
      if (this.queue.length && this.client) this.schedule();
    }
  }

  private receive(payload: string): void {
    this.received++;
    for (const line of payload.split("\n")) {
      const text = line.startsWith("#") ? this.reassemble(line) : line;
      if (text === null) continue;
      const parsed = parseFrame(ReplicaMessageSchema, text);
      if (!parsed.ok) {
        console.warn(`[stoker] replica bus: refused a message (${parsed.why})`);
        continue;
      }
      const m = parsed.value;
      // A session hears its own notifications: those, and those for another replica, are not ours.
      if (m.from === this.replicaId || (m.to !== "*" && m.to !== this.replicaId)) continue;
      this.onMessage(m, text);
    }
  }

  private reassemble(line: string): string | null {
    const match = /^#(\w+) (\d+)\/(\d+) ([\s\S]*)$/.exec(line);
    if (!match) return null;
    const [, id, nText, totalText, part] = match;
    const now = Date.now();
    for (const [k, p] of this.partials) if (now - p.at > CHUNKS_KEPT_MS) this.partials.delete(k);
    const total = Number(totalText);
    const entry = this.partials.get(id) ?? { parts: new Array<string>(total).fill(""), got: 0, at: now };
    this.partials.set(id, entry);
    entry.parts[Number(nText) - 1] = part;
    entry.got++;
    if (entry.got < total) return null;
    this.partials.delete(id);
    return entry.parts.join("");
  }

  async stop(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}
