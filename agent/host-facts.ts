// What this host is: reported to the control plane on connect and every few seconds.
import { readFileSync } from "node:fs";
import os from "node:os";
import type { HostFacts } from "../lib/protocol";
import { isoNow } from "../lib/protocol/iso-time";
import { agentBuild } from "./install/agent-build";
import { storageFacts } from "./logs/log-storage-status";

const agentStartedAt = isoNow();

function osName(): string {
  try {
    const line = readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)"?/m);
    if (line) return line[1];
  } catch {
    // not Linux with os-release
  }
  return `${os.type()} ${os.release()}`;
}

/** `webServers`: what the agent's web-server registry knows (detected, configured, running). */
export function hostFacts(webServers?: HostFacts["webServers"]): HostFacts {
  return {
    hostname: os.hostname(),
    os: osName(),
    kernel: os.release(),
    arch: os.arch(),
    cpus: os.cpus().length,
    memBytes: os.totalmem(),
    uptimeS: Math.round(os.uptime()),
    loadAvg: os.loadavg().map((n) => Math.round(n * 100) / 100),
    agentVersion: agentBuild().version,
    ...(agentBuild().build ? { agentBuild: agentBuild().build ?? undefined, agentUpgradable: agentBuild().prefix !== null } : {}),
    agentPid: process.pid,
    agentStartedAt,
    agentRssBytes: process.memoryUsage.rss(),
    isRoot: process.getuid?.() === 0,
    storage: storageFacts(),
    ...(webServers ? { webServers } : {}),
  };
}
