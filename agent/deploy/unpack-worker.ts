// A child process of the agent: drops to the app's user first, then unpacks the archive it reads
// on stdin into the release directory (unpack-release.ts). Prints one JSON line: {ok, entries} or
// {ok: false, message}. The agent runs it only when the release belongs to another user than its own.
import { ARCHIVE_LIMITS } from "./archive-policy";
import { type UnpackOutcome, unpackInto } from "./unpack-release";

type Args = { dest: string; uid?: number; gid?: number; maxEntries?: number; maxBytes?: number };

function dropPrivileges(uid?: number, gid?: number): void {
  if (gid !== undefined) {
    process.setgroups?.([gid]);
    process.setgid?.(gid);
  }
  if (uid !== undefined) process.setuid?.(uid);
}

async function main(): Promise<UnpackOutcome> {
  const args = JSON.parse(process.argv[2] ?? "{}") as Args;
  dropPrivileges(args.uid, args.gid);
  if (args.uid !== undefined && process.getuid?.() !== args.uid) return { ok: false, message: "Could not switch to the app's user to unpack." };
  return unpackInto(args.dest, process.stdin, { maxEntries: args.maxEntries ?? ARCHIVE_LIMITS.maxEntries, maxBytes: args.maxBytes ?? ARCHIVE_LIMITS.maxBytes });
}

main().then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (e: unknown) => process.stdout.write(`${JSON.stringify({ ok: false, message: `Unpacking failed: ${e instanceof Error ? e.message : String(e)}` })}\n`),
);
