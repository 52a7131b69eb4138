// Follows each site's access log (written by the rendered config, see access-line.ts) and counts
// every app's requests into its current RequestWindow. A log is followed from its end when first
// seen: a request is counted in the interval the agent reads it, and what was logged while no agent
// ran is not counted (it would land, all at once, in one interval).
import { statSync } from "node:fs";
import { type TailHandle, tailFile } from "../logs/tail-file";
import { parseAccessLine } from "./access-line";
import { RequestWindow } from "./request-window";

/** One site's access log and the apps mounted on it, by the name its lines carry. */
export type SiteAccessLog = { file: string; appIds: Map<string, string> };

const POLL_MS = 500;

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // not written yet: every line to come is new
  }
}

export class AccessLogs {
  private tails = new Map<string, { handle: TailHandle; site: SiteAccessLog }>();
  private windows = new Map<string, RequestWindow>();
  /** Lines read (parsed or not), for the bench. */
  linesRead = 0;

  window(appId: string): RequestWindow {
    let w = this.windows.get(appId);
    if (!w) {
      w = new RequestWindow();
      this.windows.set(appId, w);
    }
    return w;
  }

  /** Follows exactly these sites' logs: new ones from their end, gone ones stopped. */
  setSites(sites: SiteAccessLog[]): void {
    const wanted = new Map(sites.map((s) => [s.file, s]));
    for (const [file, t] of this.tails) {
      if (!wanted.has(file)) {
        void t.handle.stop();
        this.tails.delete(file);
      }
    }
    for (const site of sites) {
      const existing = this.tails.get(site.file);
      if (existing) {
        existing.site = site; // apps added to or removed from the site
        continue;
      }
      const entry = { site, handle: null as unknown as TailHandle };
      entry.handle = tailFile(site.file, sizeOf(site.file), (lines) => this.onLines(entry.site, lines), { intervalMs: POLL_MS });
      this.tails.set(site.file, entry);
    }
  }

  private onLines(site: SiteAccessLog, lines: string[]): void {
    this.linesRead += lines.length;
    for (const line of lines) {
      const parsed = parseAccessLine(line);
      if (!parsed) continue;
      const appId = site.appIds.get(parsed.app);
      if (appId) this.window(appId).add(parsed.status, parsed.ms);
    }
  }

  forget(appId: string): void {
    this.windows.delete(appId);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.tails.values()].map((t) => t.handle.stop()));
    this.tails.clear();
  }
}
