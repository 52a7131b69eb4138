// The one replica that runs what must run once across replicas (DESIGN 6): the alert clock (rule
// conditions, repeats and recoveries, uptime checks, traceback polls, pruning). Every such job asks
// `isLeader()` before it runs. On PostgreSQL the leader is the replica holding a session-level
// advisory lock on a connection of its own: when that replica dies its connection closes, PostgreSQL
// frees the lock, and another replica takes it at its next try (within POLL_MS). On SQLite there is
// one process, and it is always the leader.
import "server-only";
import pg from "pg";
import { databaseUrl } from "../config";
import { dbKind } from "../db";
import { LEADER_LOCK } from "../db-locks";

const POLL_MS = Number(process.env.STOKER_LEADER_POLL_MS) || 2_000;

class Leadership {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private trying = false;
  private lastError = "";
  leader = false;
  stopped = false;

  constructor(private readonly url: string) {}

  start(): void {
    void this.tick();
  }

  /** Not the leader: try to become it. The leader: check its connection still holds the lock. */
  private async tick(): Promise<void> {
    if (this.stopped || this.trying) return;
    this.trying = true;
    try {
      if (!this.client) this.client = await this.connect();
      const client = this.client;
      if (this.leader) await client.query("SELECT 1");
      else {
        const r = await client.query<{ got: boolean }>("SELECT pg_try_advisory_lock($1::int, 0) AS got", [LEADER_LOCK]);
        if (r.rows[0]?.got) {
          this.leader = true;
          console.log("[stoker] this replica is now the leader (it runs the alert clock and uptime checks)");
        }
      }
      this.lastError = "";
    } catch (e) {
      this.lose((e as Error).message);
    } finally {
      this.trying = false;
      if (!this.stopped) this.timer = setTimeout(() => void this.tick(), POLL_MS).unref();
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, application_name: "stoker-leader" });
    // A lost connection is a lost lock: step down at once, not at the next check.
    client.on("error", (e) => this.lose(e.message, client));
    client.on("end", () => this.lose("connection closed", client));
    await client.connect();
    return client;
  }

  private lose(why: string, client?: pg.Client): void {
    if (client && client !== this.client) return;
    if (this.leader) console.error(`[stoker] this replica is no longer the leader: ${why}`);
    else if (why !== this.lastError) console.error(`[stoker] leader election: ${why}; retrying`);
    this.lastError = why;
    this.leader = false;
    const c = this.client;
    this.client = null;
    c?.end().catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.leader = false;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}

const KEY = Symbol.for("stoker.leadership");
type G = typeof globalThis & { [KEY]?: Leadership };

/** Whether this process runs the once-across-replicas jobs now. The first call on PostgreSQL starts the election. */
export function isLeader(): boolean {
  if (dbKind() !== "postgresql") return true;
  const g = globalThis as G;
  if (!g[KEY]) {
    g[KEY] = new Leadership(databaseUrl());
    g[KEY].start();
  }
  return g[KEY].leader;
}

/** Gives the lock up (tests, shutdown): another replica takes over at its next try. */
export async function stepDown(): Promise<void> {
  const g = globalThis as G;
  await g[KEY]?.stop();
  g[KEY] = undefined;
}
