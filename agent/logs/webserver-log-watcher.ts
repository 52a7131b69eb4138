// Follows the web servers' error logs, gives each line that names an app's socket to that app's
// log as the "web" stream, and after a "premature end of headers" line adds a note naming the
// traceback or process exit closest in time, so the symptom points at its cause.
import { statSync } from "node:fs";
import type { LogSink } from "./log-sink";
import { tailFile, type TailHandle } from "./tail-file";
import type { TracebackEvent } from "./tracebacks";
import { appForError, linkPremature, parseWebServerError, type WebServer } from "./webserver-errors";

export type AppLogs = { appId: string; socket: string; sink: LogSink; recentTracebacks(): TracebackEvent[]; recentExits(): { ts: string; text: string }[] };

/** Debian's defaults; STOKER_WEB_ERROR_LOGS (JSON {"nginx": "/path"}) overrides them. */
export const DEFAULT_ERROR_LOGS: Record<WebServer, string> = {
  nginx: "/var/log/nginx/error.log",
  lighttpd: "/var/log/lighttpd/error.log",
  apache: "/var/log/apache2/error.log",
};

const LINK_DELAY_MS = 1500;

export class WebServerLogWatcher {
  private tails: TailHandle[] = [];

  constructor(
    private logs: Partial<Record<WebServer, string>>,
    private apps: () => AppLogs[],
  ) {}

  /** Starts following `logs` (default: the ones given to the constructor). */
  start(logs: Partial<Record<WebServer, string>> = this.logs): void {
    this.logs = logs;
    for (const [server, file] of Object.entries(logs) as [WebServer, string][]) {
      // Start at the end: history before the agent started is not re-attributed.
      let size = 0;
      try {
        size = statSync(file).size;
      } catch {
        // not there yet: tailFile picks it up when it appears
      }
      this.tails.push(tailFile(file, size, (lines) => this.onLines(server, lines), { intervalMs: 250 }));
    }
  }

  private onLines(server: WebServer, lines: string[]): void {
    const apps = this.apps();
    const bySocket = new Map(apps.map((a) => [a.socket, a.appId]));
    for (const line of lines) {
      const error = parseWebServerError(line, server);
      if (!error) continue;
      const appId = appForError(error, bySocket);
      const app = apps.find((a) => a.appId === appId);
      if (!app) continue;
      app.sink.write(0, "web", `${line}\n`);
      if (!error.premature) continue;
      // The dying process's traceback is reported once its output goes quiet: give it that moment.
      const timer = setTimeout(() => {
        const tb = linkPremature(error, app.recentTracebacks());
        const exit = tb ? null : linkPremature(error, app.recentExits());
        if (tb) app.sink.note(`${server} "${error.kind}" is most likely this ${tb.language} traceback at ${tb.ts} (pid ${tb.pid}): ${tb.type}: ${tb.message}`);
        else if (exit) app.sink.note(`${server} "${error.kind}" follows a process exit at ${exit.ts}: ${exit.text}`);
      }, LINK_DELAY_MS);
      timer.unref();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.tails.map((t) => t.stop()));
    this.tails = [];
  }
}
