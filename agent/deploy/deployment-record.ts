// The live record of one deployment: its steps move pending → running → ok/failed/skipped here
// only, and every move is reported through onStep so the dashboard can follow along.
import { randomUUID } from "node:crypto";
import type { Deployment, DeploymentStep, DeploymentStepName } from "../../lib/protocol";
import { isoNow } from "../../lib/protocol/iso-time";

export const STEP_NAMES: DeploymentStepName[] = ["fetch", "build", "start", "health", "switch", "stop-old", "prune"];
const KEEP_OUTPUT = 64 * 1024;

export type RecordHooks = {
  onStep?: (step: DeploymentStep, deployment: Deployment) => void;
  onOutput?: (step: DeploymentStepName, chunk: string) => void;
};

export class DeploymentRecord {
  readonly value: Deployment;

  constructor(
    appId: string,
    ref: string,
    private hooks: RecordHooks,
    names: DeploymentStepName[] = STEP_NAMES,
  ) {
    this.value = {
      id: randomUUID(),
      appId,
      status: "running",
      ref,
      commit: "",
      release: "",
      message: "",
      steps: names.map((name) => ({ name, status: "pending", output: "", startedAt: null, endedAt: null })),
    };
  }

  private step(name: DeploymentStepName): DeploymentStep {
    const s = this.value.steps.find((x) => x.name === name);
    if (!s) throw new Error(`no step ${name}`);
    return s;
  }

  private emit(s: DeploymentStep): void {
    this.hooks.onStep?.({ ...s }, this.snapshot());
  }

  start(name: DeploymentStepName): void {
    const s = this.step(name);
    s.status = "running";
    s.startedAt = isoNow();
    this.emit(s);
  }

  /** Live output of the running step: streamed as is, kept (tail) in the record. */
  output(name: DeploymentStepName, chunk: string): void {
    const s = this.step(name);
    s.output = (s.output + chunk).slice(-KEEP_OUTPUT);
    this.hooks.onOutput?.(name, chunk);
  }

  finish(name: DeploymentStepName, status: "ok" | "failed" | "skipped", note = ""): void {
    const s = this.step(name);
    if (note) s.output = `${s.output}${s.output && !s.output.endsWith("\n") ? "\n" : ""}${note}`.slice(-KEEP_OUTPUT);
    s.status = status;
    s.startedAt ??= isoNow();
    s.endedAt = isoNow();
    this.emit(s);
  }

  /** Marks the deployment failed at `name`; later steps are skipped, not left pending. */
  fail(name: DeploymentStepName, message: string, output = ""): Deployment {
    this.finish(name, "failed", [output, message].filter(Boolean).join("\n"));
    return this.end("failed", message);
  }

  end(status: Deployment["status"], message = ""): Deployment {
    for (const s of this.value.steps) {
      if (s.status === "pending" || s.status === "running") this.finish(s.name, "skipped");
    }
    this.value.status = status;
    this.value.message = message;
    return this.snapshot();
  }

  snapshot(): Deployment {
    return { ...this.value, steps: this.value.steps.map((s) => ({ ...s })) };
  }
}
