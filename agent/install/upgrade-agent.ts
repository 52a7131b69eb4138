// Upgrade in place: fetch the control plane's agent bundle for this arch, check it against the
// checksum the control plane announced, unpack it into PREFIX/releases/BUILD, prove it starts
// (`agent.mjs --version` loads the native modules), then swap PREFIX/current to it atomically.
// Restarting into it is the caller's (after its reply is sent).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tar from "tar";
import { err, ok, type Result } from "../../lib/protocol/result";
import { agentBuild } from "./agent-build";

const MAX_BUNDLE_BYTES = 256 << 20;

export type UpgradeOutcome = { from: string | null; to: string; prefix: string };

/** Keeps the current release and the one before (to go back by hand); removes older ones. */
function pruneReleases(releases: string, keep: string[]): void {
  for (const name of readdirSync(releases)) {
    if (!keep.includes(name)) rmSync(path.join(releases, name), { recursive: true, force: true });
  }
}

export async function upgradeAgent(controlUrl: string, want: { build: string; sha256: string }): Promise<Result<UpgradeOutcome>> {
  const me = agentBuild();
  if (!me.prefix) {
    return err("CONFLICT", "This agent was not installed by install.sh (it runs from a checkout or by hand): update it where it was installed, or install it with the command under Hosts → Add host.");
  }
  if (me.build === want.build) return err("CONFLICT", `This agent already runs build ${want.build}.`);
  const bundleUrl = new URL(`api/v1/agent/bundle.tar.gz?arch=${encodeURIComponent(os.arch())}`, controlUrl.endsWith("/") ? controlUrl : `${controlUrl}/`);
  let bytes: Buffer;
  try {
    const res = await fetch(bundleUrl, { signal: AbortSignal.timeout(120_000) });
    if (!res.ok) return err("FAILED", `The control plane answered HTTP ${res.status} for the agent bundle (${bundleUrl.pathname}).`);
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    return err("FAILED", `Could not download the agent bundle: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (bytes.length > MAX_BUNDLE_BYTES) return err("FAILED", "The agent bundle is larger than 256 MiB; refused.");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== want.sha256) return err("FAILED", `The downloaded bundle's checksum (${sha256.slice(0, 12)}…) is not the one announced (${want.sha256.slice(0, 12)}…): the control plane's bundle changed meanwhile, or it was altered on the way. Nothing was changed.`);

  const releases = path.join(me.prefix, "releases");
  const staging = path.join(releases, `.staging-${want.build}`);
  const target = path.join(releases, want.build);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o755 });
  const archive = path.join(me.prefix, `.bundle-${want.build}.tar.gz`);
  try {
    writeFileSync(archive, bytes, { mode: 0o600 });
    await tar.x({ file: archive, cwd: staging, strict: true });
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    return err("FAILED", `Could not unpack the agent bundle: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    rmSync(archive, { force: true });
  }
  // The new agent must start before it becomes current: a bundle whose native modules do not load
  // here would otherwise leave the host without an agent.
  const probe = spawnSync(process.execPath, [path.join(staging, "agent.mjs"), "--version"], { encoding: "utf8", timeout: 30_000 });
  if (probe.status !== 0 || !probe.stdout.includes(want.build)) {
    rmSync(staging, { recursive: true, force: true });
    return err("FAILED", `The new agent did not start on this host, so the current one stays: ${(probe.stderr || probe.stdout || String(probe.error ?? "")).trim().slice(0, 500)}`);
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  // rename(2) over the old link: PREFIX/current is never missing.
  const current = path.join(me.prefix, "current");
  const next = path.join(me.prefix, ".current-next");
  rmSync(next, { force: true });
  symlinkSync(path.join("releases", want.build), next);
  let previous: string | null = null;
  try {
    previous = path.basename(readlinkSync(current));
  } catch {
    // no current link (installed by hand): the new one is the first
  }
  renameSync(next, current);
  pruneReleases(releases, [want.build, ...(previous ? [previous] : []), ...(me.build ? [me.build] : [])]);
  return ok({ from: me.build, to: want.build, prefix: me.prefix });
}
