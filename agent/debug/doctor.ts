// The doctor: answers "why premature end of headers?" without a shell. Static checks of the
// script, env and sockets, then one run-by-hand instance whose output and /proc state are examined.
import type { AppSpec, DoctorFinding, DoctorReport, RunByHandResult } from "../../lib/protocol";
import { isoNow } from "../../lib/protocol/iso-time";
import type { AppDown } from "../supervisor/app-availability";
import { type LaunchPlan, planLaunch } from "../supervisor/launch-plan";
import { lookupUser } from "../supervisor/users";
import { type Credentials, credentialsOf } from "./access";
import { checkAppBoundTcp, checkBindHints, checkListeners } from "./checks/binds-elsewhere";
import { checkHeaderBuffer } from "./checks/header-buffer";
import { findImportFailure, importErrorFinding } from "./checks/import-error";
import { noResponseFinding, probeLiveSocket } from "./checks/live-probe";
import { loginShellEnv } from "./checks/login-env";
import { checkMissingEnv, envNamesInOutput } from "./checks/missing-env";
import { checkRelativePaths } from "./checks/relative-path";
import { checkScript } from "./checks/script-checks";
import { findScript, readHead, type ScriptTarget } from "./checks/script-target";
import { moduleSearchPath } from "./checks/search-path";
import { checkSocketMismatch } from "./checks/socket-config";
import { checkSocketPermission } from "./checks/socket-permission";
import { checkWebServerAddrs } from "./checks/web-server-addrs";
import { runByHand } from "./run-by-hand";

export type DoctorContext = {
  socketDirs: string[];
  /** The user the web server's workers run as (default www-data). */
  webServerUser?: string;
  /** The rendered or applied web-server config, to compare its socket with the app's. */
  webConfigText?: string | null;
  /** Recent stdout/stderr of the app's supervised processes. */
  recentOutput?: string;
  /** Recent web-server error lines attributed to the app (its log's "web" stream). */
  webLines?: string[];
  /** Pids of the app's running processes, inspected for sockets they bind themselves. */
  pids?: number[];
  /** How long a FastCGI request may take before it counts as "no response" (default 3 s). */
  requestTimeoutMs?: number;
  /** The owner's approval for uid 0 (the app's and the request's), see lib/protocol/run-as.ts. */
  rootApproved?: boolean;
  /** Set while the app has no live process and the agent answers on its socket itself (AppRunner.down). */
  down?: AppDown | null;
  /** Start one extra instance (run by hand) to watch it start; default true. */
  runInstance?: boolean;
};

function appCredentials(plan: LaunchPlan): Credentials {
  // spawn() with a uid drops supplementary groups, so the app has exactly uid + one gid.
  if (plan.uid !== undefined) return { name: plan.userName, uid: plan.uid, gids: [plan.gid ?? plan.uid] };
  const me = lookupUser(process.getuid?.() ?? 0);
  return credentialsOf(me?.name ?? plan.userName) ?? { name: plan.userName, uid: process.getuid?.() ?? 0, gids: [process.getgid?.() ?? 0] };
}

async function outputFindings(plan: LaunchPlan, output: string, script: ScriptTarget | null): Promise<DoctorFinding[]> {
  const findings: DoctorFinding[] = [];
  const failure = findImportFailure(output);
  if (failure) {
    const searchPath = await moduleSearchPath(plan, failure.language, script?.interpreter ?? null, script?.path ?? null);
    findings.push(importErrorFinding(failure, searchPath, plan.userName));
  }
  findings.push(...checkRelativePaths(output, script?.path ?? null, plan.cwd));
  // The login shell is only started when the output names a variable the app's env lacks.
  if (envNamesInOutput(output).some((m) => !(m.name in plan.env))) {
    findings.push(...checkMissingEnv(output, plan.env, await loginShellEnv(plan.userName), plan.userName));
  }
  return findings;
}

export async function runDoctor(spec: AppSpec, ctx: DoctorContext): Promise<DoctorReport> {
  const started = performance.now();
  const ranAt = isoNow();
  const report = (findings: DoctorFinding[]): DoctorReport => ({ findings: dedupe(findings), ranAt, durationMs: Math.round(performance.now() - started) });
  const timeoutMs = ctx.requestTimeoutMs ?? 3000;

  const planned = planLaunch(spec, ctx.socketDirs, { purpose: "doctor", rootApproved: ctx.rootApproved ?? false });
  if (!planned.ok) {
    const fields = planned.fields?.map((f) => `${f.path}: ${f.message}`).join("\n") ?? "";
    return report([{ code: "spec-unfit", severity: "error", title: "The app cannot be started on this host", detail: `${planned.message}\n${fields}`.trim(), fix: "Correct the fields named above in the app spec." }]);
  }
  const plan = planned.value;
  const findings: DoctorFinding[] = [];

  const script = findScript(plan);
  const source = script ? (readHead(script.path)?.toString("utf8") ?? null) : null;
  if (script) findings.push(...checkScript(script, plan, appCredentials(plan)));
  findings.push(...checkWebServerAddrs(spec, plan.env));
  findings.push(...checkBindHints(spec, plan.args, source));
  findings.push(...checkAppBoundTcp(spec));
  if (ctx.webConfigText) findings.push(...checkSocketMismatch(spec, ctx.webConfigText));
  findings.push(...checkHeaderBuffer(spec, ctx.webLines ?? []));
  const web = credentialsOf(ctx.webServerUser ?? "www-data");
  if (web) findings.push(...checkSocketPermission(spec, web));

  if (ctx.pids?.length) findings.push(...checkListeners(spec, ctx.pids));
  const live = await probeLiveSocket(spec, timeoutMs, ctx.down);
  findings.push(...live.findings);

  let run: RunByHandResult | null = null;
  const startable = !findings.some((f) => f.code === "script-missing");
  if ((ctx.runInstance ?? true) && spec.socket.bind === "agent" && startable) {
    run = await runByHand(spec, {
      socketDirs: ctx.socketDirs,
      rootApproved: ctx.rootApproved ?? false,
      purpose: "doctor",
      timeoutMs,
      whileRunning: (pid) => {
        findings.push(...checkListeners(spec, [pid]));
      },
    });
    if (run.outcome === "no-response") findings.push(noResponseFinding("a run-by-hand instance", timeoutMs, `${run.stdout}\n${run.stderr}`));
  }
  const output = [run?.stdout, run?.stderr, run?.response?.stderr, live.output, ctx.recentOutput].filter(Boolean).join("\n");
  if (output) findings.push(...(await outputFindings(plan, output, script)));
  return report(withCause(findings));
}

const OUTPUT_CAUSES = ["import-error", "missing-env", "relative-path"];
/** Why a process dies at start: its output, or the script itself (exec fails, no interpreter). */
const START_CAUSES = [...OUTPUT_CAUSES, "script-missing", "not-executable", "bad-shebang"];

/**
 * A 5xx or an app with no live process is a symptom: when the output (or, for a process that dies
 * at start, the script checks) names the cause, the symptom's finding says so and comes after it.
 */
function withCause(findings: DoctorFinding[]): DoctorFinding[] {
  let out = findings;
  for (const [code, causes] of [["server-error", OUTPUT_CAUSES], ["no-live-process", START_CAUSES]] as const) {
    const symptom = out.find((f) => f.code === code);
    const cause = out.find((f) => causes.includes(f.code) && f.severity === "error");
    if (!symptom || !cause) continue;
    const named = { ...symptom, detail: `${symptom.detail}\n\nCause${OUTPUT_CAUSES.includes(cause.code) ? ", from the app's own output" : ""}: ${cause.title} (${cause.code}).`, fix: cause.fix };
    out = [...out.filter((f) => f !== symptom), named];
  }
  return out;
}

function dedupe(findings: DoctorFinding[]): DoctorFinding[] {
  // An app that binds elsewhere never answers on fd 0: that is the cause, not a second problem.
  const bindsElsewhere = findings.some((f) => f.code === "app-binds-elsewhere");
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (bindsElsewhere && f.code === "no-response") return false;
    const key = `${f.code}\u0000${f.title}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
