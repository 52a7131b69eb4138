// The release layout under deploy.root: releases/<timestamp>-<short ref>, shared/, the source
// mirror, and `current`, which is switched atomically (a new symlink renamed over the old one).
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import path from "node:path";
import { refuseSymlinksBelow } from "../safe-path";

export type ReleaseLayout = { root: string; releases: string; shared: string; current: string; mirror: string; incoming: string };

export function releaseLayout(root: string): ReleaseLayout {
  const r = path.resolve(root);
  return {
    root: r,
    releases: path.join(r, "releases"),
    shared: path.join(r, "shared"),
    current: path.join(r, "current"),
    mirror: path.join(r, "repo"),
    incoming: path.join(r, "incoming"),
  };
}

const NAME = /^\d{17}-[a-z0-9]{1,12}(?:-\d+)?$/;

/** True for a directory name this module created (anything else under releases/ is left alone). */
export function isReleaseName(name: string): boolean {
  return NAME.test(name);
}

function timestamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}${p(d.getUTCMilliseconds(), 3)}`;
}

/** Creates an empty, uniquely named release directory and returns its name and path. */
export function createReleaseDir(layout: ReleaseLayout, shortRef: string, now = new Date()): { name: string; path: string } {
  mkdirSync(layout.releases, { recursive: true });
  const short = shortRef.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 12) || "release";
  const base = `${timestamp(now)}-${short}`;
  // UTC down to the millisecond, so names sort by creation; a clash still gets -2, -3...
  for (let i = 1; i < 1000; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    const dir = path.join(layout.releases, name);
    try {
      mkdirSync(dir); // not recursive: fails if it exists, so the name is ours alone
      return { name, path: dir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  throw new Error("too many releases with the same timestamp");
}

/** Release names, oldest first (names start with a UTC timestamp, so they sort by time). */
export function listReleases(layout: ReleaseLayout): string[] {
  if (!existsSync(layout.releases)) return [];
  return readdirSync(layout.releases)
    .filter(isReleaseName)
    .sort((a, b) => a.slice(0, 17).localeCompare(b.slice(0, 17)) || suffix(a) - suffix(b) || a.localeCompare(b));
}

function suffix(name: string): number {
  const m = /-(\d+)$/.exec(name.slice(18));
  return m ? Number(m[1]) : 1;
}

/** The release `current` points at, or null before the first deployment. */
export function currentRelease(layout: ReleaseLayout): string | null {
  try {
    const target = readlinkSync(layout.current);
    const name = path.basename(target);
    return isReleaseName(name) && path.resolve(layout.root, target) === path.join(layout.releases, name) ? name : null;
  } catch {
    return null;
  }
}

export function releasePath(layout: ReleaseLayout, name: string): string {
  return path.join(layout.releases, name);
}

/**
 * Points `current` at a release in one atomic step: readers see either the old or the new
 * target, never a missing link. The target is relative so the root can be moved or mounted elsewhere.
 */
export function switchCurrent(layout: ReleaseLayout, name: string): void {
  if (!isReleaseName(name) || !existsSync(releasePath(layout, name))) throw new Error(`no release ${name}`);
  const tmp = path.join(layout.root, `.current-${randomBytes(4).toString("hex")}`);
  symlinkSync(path.join("releases", name), tmp);
  try {
    renameSync(tmp, layout.current);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
}

/**
 * Deletes the oldest releases beyond `keep`, never the current one or any in `protect`
 * (a release old processes may still run from). Returns the names removed.
 */
export function pruneReleases(layout: ReleaseLayout, keep: number, protect: string[] = []): string[] {
  const all = listReleases(layout);
  const keepSet = new Set([...all.slice(-keep), ...protect, currentRelease(layout) ?? ""]);
  const removed: string[] = [];
  for (const name of all) {
    if (keepSet.has(name)) continue;
    rmSync(releasePath(layout, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export function removeRelease(layout: ReleaseLayout, name: string): void {
  if (isReleaseName(name)) rmSync(releasePath(layout, name), { recursive: true, force: true });
}

/**
 * Links each shared path (uploads/, .env) from shared/ into the release, replacing whatever the
 * release ships at that place. A shared path that does not exist yet is seeded from the release's
 * copy if it has one (so a first `.env` template survives), otherwise created as an empty directory.
 */
export function linkShared(layout: ReleaseLayout, release: string, shared: string[]): void {
  for (const rel of shared) {
    const inRelease = path.join(release, rel);
    const inShared = path.join(layout.shared, rel);
    const safe = refuseSymlinksBelow(layout.shared, inShared);
    if (!safe.ok) throw new Error(safe.message); // a link in shared/ would send root's copy elsewhere
    mkdirSync(path.dirname(inShared), { recursive: true });
    const shipped = lstatOrNull(inRelease);
    if (!existsSync(inShared)) {
      if (shipped && !shipped.isSymbolicLink()) cpSync(inRelease, inShared, { recursive: true });
      else mkdirSync(inShared, { recursive: true });
    }
    if (shipped) rmSync(inRelease, { recursive: true, force: true });
    mkdirSync(path.dirname(inRelease), { recursive: true });
    symlinkSync(inShared, inRelease);
  }
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}
