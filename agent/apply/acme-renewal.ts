// ACME renewal: once a day the agent looks at each `web.tls.acme` site's certificate and, when it
// ends within 30 days (or is still the placeholder, or unreadable), applies the site again through
// the same pipeline as any apply (validate → swap → reload → probe, where certbot renews what is
// due and the server reloads to serve it). Each attempt is reported (the app's log, as a note).
import { execFile } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AcmeSpec } from "../../lib/protocol/web-spec";
import type { Result } from "../../lib/protocol/result";
import { acmePaths } from "./acme";

export const RENEW_BEFORE_DAYS = 30;
export const RENEWAL_CHECK_MS = 24 * 60 * 60_000;
/** The soonest check after an agent start: not while it is still adopting its apps. */
export const RENEWAL_FIRST_CHECK_MS = 5 * 60_000;

/**
 * How long after an agent start the next check runs: a day after the last check (a stamp in the
 * state dir), so an agent restarted more often than daily still checks; never sooner than
 * RENEWAL_FIRST_CHECK_MS. Pure.
 */
export function nextCheckDelay(lastCheck: Date | null, now: Date): number {
  const due = lastCheck ? lastCheck.getTime() + RENEWAL_CHECK_MS - now.getTime() : 0;
  return Math.min(RENEWAL_CHECK_MS, Math.max(RENEWAL_FIRST_CHECK_MS, due));
}

const stampOf = (stateDir: string) => path.join(stateDir, "acme", "renewal-checked");

function lastCheckOf(stateDir: string): Date | null {
  try {
    return statSync(stampOf(stateDir)).mtime;
  } catch {
    return null;
  }
}

/** Runs `check` daily from the last check, across agent restarts (the stamp's mtime says when it ran). */
export function scheduleRenewals(stateDir: string, check: () => Promise<unknown>): void {
  const tick = async () => {
    try {
      mkdirSync(path.dirname(stampOf(stateDir)), { recursive: true });
      writeFileSync(stampOf(stateDir), "");
    } catch {
      // A state dir we cannot write to: the checks still run, daily from this start.
    }
    await check().catch((e: unknown) => console.error("[agent] ACME renewal check failed:", e));
  };
  setTimeout(() => {
    void tick();
    setInterval(() => void tick(), RENEWAL_CHECK_MS).unref();
  }, nextCheckDelay(lastCheckOf(stateDir), new Date())).unref();
}

/** The certificate's notAfter (openssl x509 -enddate), or null when there is none or it cannot be read. */
export function certificateNotAfter(file: string): Promise<Date | null> {
  return new Promise((resolve) => {
    execFile("openssl", ["x509", "-enddate", "-noout", "-in", file], { timeout: 15_000 }, (error, stdout) => {
      const m = /notAfter=(.+)/.exec(stdout);
      const at = m ? Date.parse(m[1]) : Number.NaN;
      resolve(error || Number.isNaN(at) ? null : new Date(at));
    });
  });
}

/** Due: no readable certificate, or one that ends within `days` of `now`. Pure. */
export function renewalDue(notAfter: Date | null, now: Date, days = RENEW_BEFORE_DAYS): boolean {
  return notAfter === null || notAfter.getTime() - now.getTime() < days * 24 * 60 * 60_000;
}

export type RenewalSite = { appId: string; serverName: string; acme: AcmeSpec };
export type RenewalOutcome = { appId: string; serverName: string; notAfter: string | null; due: boolean; renewed: boolean; message: string };

/**
 * Checks each site once (a site shared by several apps is applied once) and applies the due ones.
 * `apply` is the agent's own site apply; `report` hears every due site's outcome, success or failure.
 */
export async function renewDueCertificates(
  stateDir: string,
  sites: readonly RenewalSite[],
  apply: (appId: string) => Promise<Result<{ ok: boolean; message: string }>>,
  report: (o: RenewalOutcome) => void,
  now = new Date(),
): Promise<RenewalOutcome[]> {
  const outcomes: RenewalOutcome[] = [];
  const seen = new Set<string>();
  for (const s of sites) {
    if (seen.has(s.serverName)) continue;
    seen.add(s.serverName);
    const before = await certificateNotAfter(acmePaths(stateDir, s.serverName).certificate);
    const due = renewalDue(before, now);
    if (!due) {
      outcomes.push({ appId: s.appId, serverName: s.serverName, notAfter: before?.toISOString() ?? null, due, renewed: false, message: "Not due." });
      continue;
    }
    const applied = await apply(s.appId);
    const after = await certificateNotAfter(acmePaths(stateDir, s.serverName).certificate);
    const renewed = applied.ok && applied.value.ok && after !== null && (before === null || after.getTime() > before.getTime());
    const why = applied.ok ? applied.value.message : applied.message;
    const message = renewed
      ? `The certificate for ${s.serverName} was renewed over ACME (now valid until ${after?.toISOString()}) and is served.`
      : `Renewing the certificate for ${s.serverName} (valid until ${before?.toISOString() ?? "unknown"}) failed: ${why}`;
    const o = { appId: s.appId, serverName: s.serverName, notAfter: (after ?? before)?.toISOString() ?? null, due, renewed, message };
    outcomes.push(o);
    report(o);
  }
  return outcomes;
}
