// The supervisor's host-wide web work: renewing the due ACME certificates of the apps' sites, and
// discovering FastCGI apps the web servers name that Stoker does not run yet.
import type { DesiredApp, Result, SocketSpec, WebTargets } from "../../lib/protocol";
import { type RenewalOutcome, renewDueCertificates } from "../apply/acme-renewal";
import { socketAddress, stagedGeneration } from "./app-socket";
import type { Rooms } from "./rooms";

/**
 * Applies again (`apply`: the app's webconfig.apply) every web.tls.acme site of `templates` whose
 * certificate is due; each outcome goes to `note` (the app's log).
 */
export async function renewSiteCertificates(
  stateDir: string,
  templates: readonly DesiredApp[],
  apply: (appId: string) => Promise<Result<unknown>>,
  note: (appId: string, line: string) => void,
  now: Date,
): Promise<RenewalOutcome[]> {
  const sites = templates.flatMap((t) => {
    const acme = t.spec.web?.tls?.acme;
    return acme && t.spec.web ? [{ appId: t.appId, serverName: t.spec.web.serverName, acme }] : [];
  });
  if (!sites.length) return [];
  return renewDueCertificates(
    stateDir,
    sites,
    async (appId) => {
      const applied = await apply(appId);
      if (!applied.ok) return applied;
      const v = applied.value as { ok: boolean; message: string };
      return { ok: true, value: { ok: v.ok, message: v.message } };
    },
    (o) => {
      note(o.appId, `${o.renewed ? "ACME renewal succeeded" : "ACME renewal FAILED"}: ${o.message}`);
      console.log(`[agent] ${o.message}`);
    },
    now,
  );
}

/** FastCGI apps on this host that Stoker does not run yet (discovery/discover.ts); `sockets`: those it runs. */
export async function discoverUnmanaged(rooms: Rooms, t: WebTargets, sockets: readonly SocketSpec[]) {
  const { DEFAULT_ROOTS, discover } = await rooms.discovery();
  const dirs = (k: "nginx" | "lighttpd" | "apache") => (t[k]?.dir ? [t[k].dir] : []);
  const roots = { ...DEFAULT_ROOTS, nginx: [...DEFAULT_ROOTS.nginx, ...dirs("nginx")], lighttpd: [...DEFAULT_ROOTS.lighttpd, ...dirs("lighttpd")], apache: [...DEFAULT_ROOTS.apache, ...dirs("apache")] };
  const managed = (address: string) =>
    sockets.some((s) => socketAddress(s) === address || (s.path !== undefined && address.startsWith("unix:") && stagedGeneration(s.path, address.slice(5)) !== null));
  return discover(roots, managed);
}
