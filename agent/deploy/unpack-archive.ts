// Unpacks an uploaded .tar.gz (or git's tar export) into a release directory, safely: node-tar
// both reads and writes every entry (one parser, so the check cannot disagree with the extractor),
// each judged first by archive-policy.ts, as the app's user: in a child process that switches to it
// when that is not the agent's own user (a root agent), else right here.
import { spawn } from "node:child_process";
import { chownSync, createReadStream } from "node:fs";
import { fileURLToPath } from "node:url";
import { ARCHIVE_LIMITS, type ArchiveLimits } from "./archive-policy";
import { unpackInto } from "./unpack-release";

export { findEscapingLink } from "./release-walk";

export type UnpackResult = { ok: true; entries: number } | { ok: false; message: string; output: string };
export type UnpackOptions = {
  /** The app's user: the worker switches to it before reading a byte (the agent may be root). */
  uid?: number;
  gid?: number;
  timeoutMs?: number;
  limits?: ArchiveLimits;
  onOutput?: (chunk: string) => void;
};

// Nothing of the agent's own environment reaches the worker.
const WORKER_ENV: Record<string, string> = { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" };

function workerPath(): string {
  // The bundled agent has dist/unpack-worker.mjs beside it; from source, a stub loads the TypeScript.
  const fromSource = import.meta.url.endsWith(".ts");
  return fileURLToPath(new URL(fromSource ? "./unpack-worker-dev.mjs" : "./unpack-worker.mjs", import.meta.url));
}

export async function unpackArchive(archive: string, dest: string, opts: UnpackOptions = {}): Promise<UnpackResult> {
  const limits = opts.limits ?? ARCHIVE_LIMITS;
  // The release directory is new and empty; it becomes the app user's before anything is written.
  if (opts.uid !== undefined) chownSync(dest, opts.uid, opts.gid ?? -1);
  const sameUser = (opts.uid === undefined || opts.uid === process.getuid?.()) && (opts.gid === undefined || opts.gid === process.getgid?.());
  if (sameUser) {
    const input = createReadStream(archive);
    const r = await unpackInto(dest, input, limits);
    input.destroy();
    return r.ok ? r : { ...r, output: "" };
  }
  const args = JSON.stringify({ dest, uid: opts.uid, gid: opts.gid, ...limits });
  return new Promise<UnpackResult>((resolve) => {
    // The agent opens the upload (0600, its own) and hands the bytes over: the app user needs no access to it.
    const child = spawn(process.execPath, [workerPath(), args], { cwd: "/", stdio: ["pipe", "pipe", "pipe"], env: WORKER_ENV as NodeJS.ProcessEnv });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      if (out.length < 65_536) out += c;
    });
    child.stderr.on("data", (c: Buffer) => {
      if (err.length < 65_536) err += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
    const input = createReadStream(archive);
    input.on("error", () => child.stdin.end());
    child.stdin.on("error", () => input.destroy()); // the worker stopped reading: its answer says why
    input.pipe(child.stdin);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      input.destroy();
      if (err) opts.onOutput?.(err);
      try {
        const r = JSON.parse(out.trim().split("\n").pop() ?? "") as { ok: true; entries: number } | { ok: false; message: string };
        resolve(r.ok ? r : { ...r, output: err });
      } catch {
        const why = signal === "SIGKILL" ? "took too long" : `stopped (exit ${code ?? signal})`;
        resolve({ ok: false, message: `Unpacking the archive ${why}.`, output: err });
      }
    });
  });
}
