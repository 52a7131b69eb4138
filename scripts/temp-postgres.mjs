// A throwaway PostgreSQL cluster in a temp dir (Debian's server binaries, no system service): for the
// tests' `pg` project, the scale bench and `migrate.mjs create` (which diffs against a shadow
// database). Loopback only, a free port, its unix socket inside the temp dir. As root the server
// runs as the `postgres` user (initdb refuses root).
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";

/** The directory of initdb and pg_ctl: $STOKER_PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function postgresBin() {
  if (process.env.STOKER_PG_BIN) return process.env.STOKER_PG_BIN;
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = versions.map((v) => path.join(base, v, "bin")).find((d) => existsSync(path.join(d, "initdb")));
  if (!bin) throw new Error("No PostgreSQL server binaries (initdb) found: apt-get install postgresql, or set STOKER_PG_BIN.");
  return bin;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function run(argv, asPostgres) {
  const full = asPostgres ? ["runuser", "-u", "postgres", "--", ...argv] : argv;
  const r = spawnSync(full[0], full.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${path.basename(argv[0])} failed (${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim().slice(-2000)}`);
  return r.stdout;
}

/**
 * Starts a cluster; resolves to its superuser URL (database "postgres"), a URL builder for other
 * databases, and stop() (fast shutdown, then the temp dir is removed). `durable` keeps fsync and
 * synchronous commit on, as a production server has them.
 */
export async function startTempPostgres({ maxConnections = 200, durable = false } = {}) {
  const bin = postgresBin();
  const asPostgres = userInfo().uid === 0;
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-pg-"));
  const data = path.join(dir, "data");
  if (asPostgres) {
    const pw = run(["id", "-u", "postgres"], false).trim();
    const gr = run(["id", "-g", "postgres"], false).trim();
    chownSync(dir, Number(pw), Number(gr));
  }
  const user = asPostgres ? "postgres" : userInfo().username;
  run([path.join(bin, "initdb"), "-D", data, "-A", "trust", "-U", user, "--no-sync", "-E", "UTF8", "--locale=C"], asPostgres);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    // Tests need no durability (fsync off); the scale bench does (durable: PostgreSQL's defaults).
    const fast = durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=${maxConnections}${fast}`;
    try {
      run([path.join(bin, "pg_ctl"), "-D", data, "-o", opts, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "start"], asPostgres);
      break;
    } catch (e) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
    }
  }
  const urlFor = (database) => `postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`;
  return {
    dir,
    port,
    user,
    url: urlFor("postgres"),
    urlFor,
    async stop() {
      try {
        run([path.join(bin, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"], asPostgres);
      } finally {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      }
    },
  };
}
