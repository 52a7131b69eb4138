// Follows the web servers' error logs (each server's main log, and each site's own log), gives
// each entry about an app to that app's log as the "web" stream, and after a "premature end of
// headers" adds a note naming the traceback or process exit closest in time. What an app wrote on
// its FastCGI stderr stream (a traceback raised inside a request) goes into its log whole, line by
// line as the app wrote it, so the traceback detector groups it like the app's own output.
import { statSync } from "node:fs";
import path from "node:path";
import { LogSink } from "./log-sink";
import { tailFile, type TailHandle } from "./tail-file";
import type { TracebackEvent } from "./tracebacks";
import { appForError, appForPath, joinEntries, linkPremature, parseWebServerError, requestPaths, stderrContent, type WebServer, type WebServerError } from "./webserver-errors";

export type AppLogs = { appId: string; socket: string; sink: LogSink; recentTracebacks(): TracebackEvent[]; recentExits(): { ts: string; text: string }[] };

/**
 * A site's own error log: every entry in it is about the site. An entry goes to the app whose
 * socket it names, else to the app whose mount its request path is under (longest mount wins),
 * else, with one app, to that app; otherwise it stays the site's (siteStoreDir), not an arbitrary app's.
 */
export type SiteLog = { file: string; server: WebServer; appIds: string[]; mounts: { appId: string; mount: string }[] };

/** Debian's defaults; STOKER_WEB_ERROR_LOGS (JSON {"nginx": "/path"}) overrides them. */
export const DEFAULT_ERROR_LOGS: Record<WebServer, string> = {
  nginx: "/var/log/nginx/error.log",
  lighttpd: "/var/log/lighttpd/error.log",
  apache: "/var/log/apache2/error.log",
};

const LINK_DELAYS_MS = [1500, 5000];

/** A site log's entry that names no socket: by its request path, or the site's only app. */
function siteAppFor(error: WebServerError, site: SiteLog): string | null {
  for (const p of requestPaths(error)) {
    const appId = appForPath(p, site.mounts);
    if (appId) return appId;
  }
  return site.appIds.length === 1 ? site.appIds[0] : null;
}

export class WebServerLogWatcher {
  private tails = new Map<string, TailHandle>();

  private siteSinks = new Map<string, LogSink>();
  /** The current apps of each followed site log: read per entry, as apps join and leave a site. */
  private sites = new Map<string, SiteLog>();

  constructor(
    private logs: Partial<Record<WebServer, string>>,
    private apps: () => AppLogs[],
    /** Where entries that belong to a site but to none of its apps are kept, one log per site. */
    private readonly siteStoreDir: string | null = null,
  ) {}

  /** The log of a site's own entries (those no app of it can be given), under siteStoreDir. */
  siteSink(siteFile: string): LogSink | null {
    if (!this.siteStoreDir) return null;
    let sink = this.siteSinks.get(siteFile);
    if (!sink) {
      sink = new LogSink(path.join(this.siteStoreDir, path.basename(siteFile).replace(/\.log$/, "")));
      this.siteSinks.set(siteFile, sink);
    }
    return sink;
  }

  /** Starts following `logs` (default: the ones given to the constructor). */
  start(logs: Partial<Record<WebServer, string>> = this.logs): void {
    this.logs = logs;
    for (const [server, file] of Object.entries(logs) as [WebServer, string][]) this.follow(file, server, null);
  }

  /**
   * Follows exactly these site logs (new ones start at their end, gone ones stop). Lines there
   * name no socket on lighttpd and Apache: the file itself says which site, and so which app.
   */
  setSiteLogs(sites: readonly SiteLog[]): void {
    const wanted = new Map(sites.map((s) => [s.file, s]));
    this.sites = wanted;
    for (const [file, tail] of this.tails) {
      if (file.startsWith("site:") && !wanted.has(file.slice(5))) {
        void tail.stop();
        this.tails.delete(file);
      }
    }
    for (const site of sites) this.follow(site.file, site.server, site);
  }

  private follow(file: string, server: WebServer, site: SiteLog | null): void {
    const key = site ? `site:${file}` : file;
    if (this.tails.has(key)) return;
    // Start at the end: history before the agent started is not re-attributed.
    let size = 0;
    try {
      size = statSync(file).size;
    } catch {
      // not there yet: tailFile picks it up when it appears
    }
    this.tails.set(key, tailFile(file, size, (lines) => this.onLines(server, lines, site ? (this.sites.get(file) ?? null) : null), { intervalMs: 250 }));
  }

  private onLines(server: WebServer, lines: string[], site: SiteLog | null): void {
    const apps = this.apps();
    const bySocket = new Map(apps.map((a) => [a.socket, a.appId]));
    // A server writes one entry in one write, so an entry never spans two reads.
    for (const entry of joinEntries(lines, server)) {
      const error = parseWebServerError(entry, server);
      if (!error) continue;
      const appId = appForError(error, bySocket) ?? (site ? siteAppFor(error, site) : null);
      if (site && appId && !site.appIds.includes(appId)) continue; // another site's app: its own log has it
      const app = apps.find((a) => a.appId === appId);
      if (app) this.deliver(app, server, entry, error);
      else if (site && !appId) this.siteSink(site.file)?.write(0, "web", `${entry}\n`);
    }
  }

  private deliver(app: AppLogs, server: WebServer, entry: string, error: WebServerError): void {
    const content = error.kind === "stderr" ? stderrContent(error) : null;
    if (content) {
      for (const line of content) app.sink.write(0, "web", `${line}\n`);
      return;
    }
    app.sink.write(0, "web", `${entry}\n`);
    if (!error.premature) return;
    // The dying process's traceback is reported once its output goes quiet (the detector's idle
    // time), later still on a busy host: look again before settling for the process exit.
    const link = (attempt: number) => {
      const tb = linkPremature(error, app.recentTracebacks());
      const last = attempt + 1 >= LINK_DELAYS_MS.length;
      const exit = tb || !last ? null : linkPremature(error, app.recentExits());
      if (tb) app.sink.note(`${server} "${error.kind}" is most likely this ${tb.language} traceback at ${tb.ts} (pid ${tb.pid}): ${tb.type}: ${tb.message}`);
      else if (exit) app.sink.note(`${server} "${error.kind}" follows a process exit at ${exit.ts}: ${exit.text}`);
      else if (!last) setTimeout(() => link(attempt + 1), (LINK_DELAYS_MS[attempt + 1] ?? 0) - (LINK_DELAYS_MS[attempt] ?? 0)).unref();
    };
    setTimeout(() => link(0), LINK_DELAYS_MS[0]).unref();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.tails.values()].map((t) => t.stop()));
    this.tails.clear();
    for (const sink of this.siteSinks.values()) sink.close();
    this.siteSinks.clear();
  }
}
