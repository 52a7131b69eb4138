// The web servers of this host, as one setting: what detection found, the host setting the
// control plane sends (kept in the state dir so it survives agent restarts without a control
// plane), and the operator's overrides (STOKER_WEB_TARGETS, `<state>/web-targets.json`).
// Everything that applies config or follows error logs asks this one place.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { type DetectedWebServer, LastApplySchema, type WebServer, type WebTargets, WebTargetsSchema } from "../../lib/protocol";
import { isoNow } from "../../lib/protocol/iso-time";
import { type Detected, detectWebServers } from "./detect-web-servers";
import { runningPid } from "./server-process";
import { DEBIAN_DEFAULTS, mergeTargets, readTargetsFile } from "./web-targets";

type LastApply = NonNullable<DetectedWebServer["lastApply"]>;
const SERVERS: WebServer[] = ["nginx", "lighttpd", "apache"];
const HOST_SETTING_FILE = "web-targets.host.json";
// Each server's last apply, so the Hosts page still says when and how after an agent restart.
const LAST_APPLY_FILE = "web-servers.last-apply.json";
const LastApplyFileSchema = z.partialRecord(z.enum(["nginx", "lighttpd", "apache"]), LastApplySchema);

export class WebServerRegistry {
  private detected: Detected[] = [];
  private hostSetting: WebTargets;
  private lastApply = new Map<WebServer, LastApply>();

  constructor(
    private readonly stateDir: string,
    private readonly envTargets: WebTargets = {},
    private readonly detect: () => Promise<Detected[]> = () => detectWebServers(),
  ) {
    this.hostSetting = this.readHostSetting();
    this.lastApply = this.readLastApply();
  }

  /** Looks for installed servers again (at start, and now and then: packages come and go). */
  async refresh(): Promise<void> {
    this.detected = await this.detect().catch(() => this.detected);
  }

  /** The targets in force: detected < host setting < STOKER_WEB_TARGETS < web-targets.json. */
  targets(): WebTargets {
    const detected: WebTargets = Object.fromEntries(this.detected.map((d) => [d.server, d.target]));
    return mergeTargets(detected, this.hostSetting, this.envTargets, readTargetsFile(this.stateDir));
  }

  /** The host setting from the control plane; persisted before it takes effect. */
  setHostSetting(targets: WebTargets): void {
    const file = path.join(this.stateDir, HOST_SETTING_FILE);
    writeFileSync(`${file}.tmp`, JSON.stringify(targets, null, 2));
    renameSync(`${file}.tmp`, file);
    this.hostSetting = targets;
  }

  getHostSetting(): WebTargets {
    return this.hostSetting;
  }

  recordApply(server: WebServer, outcome: { ok: boolean; step: string; message: string }): void {
    this.lastApply.set(server, { at: isoNow(), ok: outcome.ok, step: outcome.step, message: outcome.message.slice(0, 2000) });
    try {
      const file = path.join(this.stateDir, LAST_APPLY_FILE);
      writeFileSync(`${file}.tmp`, JSON.stringify(Object.fromEntries(this.lastApply)));
      renameSync(`${file}.tmp`, file);
    } catch {
      // Only the Hosts page's "Last apply" after a restart depends on it; the apply itself is done.
    }
  }

  /** Error logs to follow, one per server in use. */
  errorLogs(): Partial<Record<WebServer, string>> {
    const t = this.targets();
    return Object.fromEntries(SERVERS.flatMap((s) => (t[s]?.errorLog ? [[s, t[s]?.errorLog]] : []))) as Partial<Record<WebServer, string>>;
  }

  /** Each installed or configured server with its health, for the host facts. */
  facts(): DetectedWebServer[] {
    const targets = this.targets();
    const file = readTargetsFile(this.stateDir);
    return SERVERS.flatMap((server): DetectedWebServer[] => {
      const d = this.detected.find((x) => x.server === server);
      const configured = [this.hostSetting, this.envTargets, file].some((l) => l[server]);
      if (!d && !configured) return [];
      const target = { ...targets[server] };
      const defaults = DEBIAN_DEFAULTS[server];
      const pidFile = target.pidFile ?? d?.pidFile ?? defaults.pidFile ?? "";
      const pid = runningPid(pidFile);
      const sources: DetectedWebServer["sources"] = [];
      if (d) sources.push("detected");
      if (this.hostSetting[server]) sources.push("host-setting");
      if (this.envTargets[server]) sources.push("env");
      if (file[server]) sources.push("file");
      return [
        {
          server,
          binary: d?.binary ?? "",
          version: d?.version ?? "",
          mainConfig: d?.mainConfig ?? "",
          configDir: target.dir ?? d?.configDir ?? defaults.dir,
          errorLog: target.errorLog ?? d?.errorLog ?? "",
          pidFile,
          running: pid !== null,
          pid,
          reloadVia: target.reloadArgv?.[0]?.endsWith("systemctl") ? "systemd" : target.reloadArgv && target.reloadArgv.length === 0 ? "signal" : "command",
          target,
          sources,
          lastApply: this.lastApply.get(server) ?? null,
        },
      ];
    });
  }

  private readLastApply(): Map<WebServer, LastApply> {
    try {
      const parsed = LastApplyFileSchema.safeParse(JSON.parse(readFileSync(path.join(this.stateDir, LAST_APPLY_FILE), "utf8")));
      return new Map(parsed.success ? (Object.entries(parsed.data) as [WebServer, LastApply][]) : []);
    } catch {
      return new Map();
    }
  }

  private readHostSetting(): WebTargets {
    try {
      const parsed = WebTargetsSchema.safeParse(JSON.parse(readFileSync(path.join(this.stateDir, HOST_SETTING_FILE), "utf8")));
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  }
}
