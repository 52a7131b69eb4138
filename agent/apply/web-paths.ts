// The files a web section names must exist on this host before the app is saved, not only when
// its site is applied: web.documentRoot (the web server's user serves files from it, the app's user
// runs scripts in it) and web.tls.certificate / key (the web server reads them when it starts).
// Checked by the agent at app.validate, with a message naming the missing path and who must read it.
import { statSync } from "node:fs";
import type { AppSpec, FieldError } from "../../lib/protocol";
import { type Credentials, credentialsOf, describeMode, firstBlockedDir, modeAllows } from "../debug/access";

/** What `who` lacks to read `p` (a directory to list and enter, or a file to read), or null. */
function unreadable(p: string, kind: "dir" | "file", who: Credentials): string | null {
  const blocked = firstBlockedDir(p, who);
  if (blocked && blocked.owner !== "missing") return `user "${who.name}" cannot enter ${blocked.dir} (${blocked.owner})`;
  const st = statSync(p);
  const need = kind === "dir" ? (["r", "x"] as const) : (["r"] as const);
  if (need.every((b) => modeAllows(st, who, b))) return null;
  return `user "${who.name}" cannot ${kind === "dir" ? "list" : "read"} ${p} (${describeMode(st)})`;
}

function check(p: string, kind: "dir" | "file", field: string, readers: Credentials[], readersSay: string): FieldError | null {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(p);
  } catch {
    return { path: field, message: `${p} does not exist on this host; create it first (${readersSay} must be able to read it).` };
  }
  if (kind === "dir" && !st.isDirectory()) return { path: field, message: `${p} is not a directory.` };
  if (kind === "file" && !st.isFile()) return { path: field, message: `${p} is not a regular file.` };
  for (const who of readers) {
    const why = unreadable(p, kind, who);
    if (why) return { path: field, message: `${p} exists, but ${why}; ${readersSay} must be able to read it.` };
  }
  return null;
}

/**
 * Field errors for the web section's paths. `appUser`: the user the app runs as (from the launch
 * plan); `webUser`: the web server's worker user. Paths with {release} exist only after a deploy.
 */
export function checkWebPaths(spec: AppSpec, appUser: string, webUser = "www-data"): FieldError[] {
  const web = spec.web;
  if (!web) return [];
  const errors: FieldError[] = [];
  const webCred = credentialsOf(webUser);
  const appCred = credentialsOf(appUser);
  if (web.documentRoot && !web.documentRoot.includes("{")) {
    const readers = [webCred, appCred].filter((c): c is Credentials => c !== null);
    const e = check(web.documentRoot, "dir", "web.documentRoot", readers, `the web server's user "${webUser}" and the app's user "${appUser}"`);
    if (e) errors.push(e);
  }
  const tls = web.tls;
  if (tls && !tls.acme) {
    // The web server's master process reads them at start, as root on a standard install.
    const root: Credentials = { name: "root", uid: 0, gids: [0] };
    for (const [field, file] of [["web.tls.certificate", tls.certificate], ["web.tls.key", tls.key]] as const) {
      if (!file) continue;
      const e = check(file, "file", field, [root], 'the web server (its master process, usually as "root")');
      if (e) errors.push(e);
    }
  }
  return errors;
}
