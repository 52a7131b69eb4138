// The guided form's agent calls: a bounded directory listing as the app's user sees it, and a
// proposal read from a script that user can read (the reading is proposeApp's, pure).
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { BROWSE_MAX_ENTRIES, type BrowseResult, type Proposal, type Runtime } from "../../lib/protocol/guided-messages";
import { err, ok, type Result } from "../../lib/protocol/result";
import { type Credentials, credentialsOf, firstBlockedDir, modeAllows } from "../debug/access";
import { lookupUser } from "../supervisor/users";
import { proposeApp } from "./propose-app";

const READ_BYTES = 64 << 10;

/** The reader's credentials; uid 0 (by any name) only with the owner's approval (lib/protocol/run-as.ts). */
function readerOf(user: string, rootApproved: boolean): Result<Credentials> {
  const cred = credentialsOf(user);
  if (!cred) return err("BAD_REQUEST", `There is no user ${user} on this host.`, { fields: [{ path: "user", message: "Unknown user." }] });
  if (cred.uid === 0 && !rootApproved) {
    return err("FORBIDDEN", `Reading the host's files as "${user}" (uid 0) needs the owner's approval; this request does not carry it.`, {
      fields: [{ path: "user", message: "uid 0 needs the owner role." }],
    });
  }
  return ok(cred);
}

export function browseDir(dir: string, user: string, rootApproved = false): Result<BrowseResult> {
  const reader = readerOf(user, rootApproved);
  if (!reader.ok) return reader;
  const cred = reader.value;
  const blocked = firstBlockedDir(path.join(dir, "x"), cred);
  if (blocked) return err("FORBIDDEN", blocked.owner === "missing" ? `${blocked.dir} does not exist.` : `${user} cannot enter ${blocked.dir} (${blocked.owner}).`);
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return err("BAD_REQUEST", `${dir} is not a directory.`);
  if (!modeAllows(st, cred, "r")) return err("FORBIDDEN", `${user} cannot list ${dir}.`);
  const entries: BrowseResult["entries"] = [];
  let truncated = false;
  const names = readdirSync(dir).sort();
  for (const name of names) {
    const s = statSync(path.join(dir, name), { throwIfNoEntry: false }); // a symlink counts as what it points to
    if (!s || !modeAllows(s, cred, "r")) continue;
    if (entries.length >= BROWSE_MAX_ENTRIES) {
      truncated = true;
      break;
    }
    entries.push({ name, kind: s.isDirectory() ? "dir" : s.isFile() ? "file" : "other", size: s.isFile() ? s.size : 0, executable: modeAllows(s, cred, "x") });
  }
  entries.sort((a, b) => Number(b.kind === "dir") - Number(a.kind === "dir"));
  return ok({ path: dir, parent: dir === "/" ? null : path.dirname(dir), user, entries, truncated });
}

function which(program: string): string | null {
  for (const dir of (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin").split(":")) {
    const full = path.join(dir, program);
    const s = statSync(full, { throwIfNoEntry: false });
    if (s?.isFile() && s.mode & 0o111) return full;
  }
  return null;
}

export function proposeFromScript(script: string, user: string, name: string, socketDir: string, runtime?: Runtime, rootApproved = false): Result<Proposal> {
  const reader = readerOf(user, rootApproved);
  if (!reader.ok) return reader;
  const cred = reader.value;
  const blocked = firstBlockedDir(script, cred);
  if (blocked) return err("FORBIDDEN", blocked.owner === "missing" ? `${blocked.dir} does not exist.` : `${user} cannot enter ${blocked.dir} (${blocked.owner}).`);
  const st = statSync(script, { throwIfNoEntry: false });
  if (!st) return err("BAD_REQUEST", `${script} does not exist.`, { fields: [{ path: "script", message: "No such file." }] });
  if (!st.isFile()) return err("BAD_REQUEST", `${script} is not a file.`, { fields: [{ path: "script", message: "Not a file." }] });
  if (!modeAllows(st, cred, "r")) return err("FORBIDDEN", `${user} cannot read ${script}.`);
  const buf = Buffer.alloc(Math.min(READ_BYTES, st.size));
  const fd = openSync(script, "r");
  try {
    readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  const owner = st.uid === 0 ? null : (lookupUser(st.uid)?.name ?? null);
  return ok(proposeApp({ script, text: buf.toString("utf8"), owner, name, socketDir, which }, runtime));
}
