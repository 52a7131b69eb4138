// Can the web-server user connect to the app's Unix socket? Connecting needs `x` on every parent
// directory and `w` on the socket file, for that user's uid and groups: computed, not tried as root.
import { lstatSync } from "node:fs";
import type { AppSpec, DoctorFinding } from "../../../lib/protocol";
import { currentUser, lookupGroup, lookupUser } from "../../supervisor/users";
import { type Credentials, describeMode, firstBlockedDir, modeAllows } from "../access";

export function checkSocketPermission(spec: AppSpec, web: Credentials): DoctorFinding[] {
  const file = spec.socket.path;
  if (!file) return [];
  const findings: DoctorFinding[] = [];
  const blocked = firstBlockedDir(file, web);
  if (blocked && blocked.owner !== "missing") {
    findings.push({
      code: "socket-permission",
      severity: "error",
      title: `${web.name} cannot reach the socket's directory`,
      detail: `${blocked.dir} is ${blocked.owner}: user "${web.name}" (uid ${web.uid}, groups ${web.gids.join(",")}) has no search (x) permission on it, so connecting to ${file} fails with EACCES.`,
      fix: `chmod o+x ${blocked.dir} (or give it a group ${web.name} belongs to, with g+x).`,
    });
  }

  // The file as it is, or (before the first start) as the agent will create it from the spec.
  let st: { uid: number; gid: number; mode: number } | null = null;
  let source = "";
  try {
    const l = lstatSync(file);
    if (!l.isSocket()) {
      return [
        ...findings,
        {
          code: "socket-permission",
          severity: "error",
          title: "The socket path is not a socket",
          detail: `${file} exists but is not a Unix socket (${describeMode(l)}).`,
          fix: `Remove ${file} or choose another socket.path.`,
        },
      ];
    }
    st = l;
  } catch {
    if (spec.socket.bind === "agent") {
      const me = currentUser();
      const owner = spec.socket.owner ? lookupUser(spec.socket.owner) : null;
      const group = spec.socket.group ? lookupGroup(spec.socket.group) : null;
      st = { uid: owner?.uid ?? me.uid, gid: group?.gid ?? me.gid, mode: 0o140000 | Number.parseInt(spec.socket.mode, 8) };
      source = " (the socket does not exist yet; computed from the spec)";
    }
  }
  if (st && !modeAllows(st, web, "w")) {
    const groupName = lookupGroup(lookupUser(web.name)?.gid ?? -1)?.name ?? web.name;
    findings.push({
      code: "socket-permission",
      severity: "error",
      title: `${web.name} may not connect to the socket`,
      detail: `${file} is ${describeMode(st)}${source}: user "${web.name}" (uid ${web.uid}, groups ${web.gids.join(",")}) has no write permission on it, which connect() needs.`,
      fix: `Set socket.group to "${groupName}" and socket.mode to "0660" in the app spec (for a quick test: chgrp ${groupName} ${file} && chmod 0660 ${file}).`,
    });
  }
  return findings;
}
