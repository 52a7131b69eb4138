// The rooms an agent at rest does not use: debug sessions and the doctor, deployments, the web
// config pipeline (render, apply, certbot), discovery and guided setup, reading log history. Each is
// loaded on its first use (a dynamic import, a chunk of its own in the bundle), so an agent that only
// supervises never holds their code, bytecode and zod schemas (docs/BENCHMARKS.md, "Agent memory at rest").
import type { AgentOp, WebTargets } from "../../lib/protocol";
import type { DebugOps, PtySender } from "../debug/debug-ops";
import type { DeployHost, DeployOp, DeployOps, DeploySender } from "../deploy/deploy-ops";

/** deploy.* operations go to the deployment room (kept here so that asking does not load it). */
export const isDeployOp = (op: AgentOp): op is DeployOp => op.op.startsWith("deploy.");

export type RoomsOptions = {
  stateDir: string;
  socketDirs: string[];
  webTargets: () => WebTargets;
  deployHost: DeployHost;
  uploadDir: string;
};

export class Rooms {
  private debugRoom: Promise<DebugOps> | null = null;
  private debugLoaded: DebugOps | null = null;
  private deployRoom: Promise<DeployOps> | null = null;
  private deployLoaded: DeployOps | null = null;
  private ptySender: PtySender | null = null;
  private deploySender: DeploySender | null = null;

  constructor(private opts: RoomsOptions) {}

  debug(): Promise<DebugOps> {
    this.debugRoom ??= import("../debug/debug-ops").then(({ DebugOps }) => {
      const room = new DebugOps(this.opts.stateDir, this.opts.socketDirs, this.opts.webTargets);
      room.setSender(this.ptySender);
      this.debugLoaded = room;
      return room;
    });
    return this.debugRoom;
  }

  /** The debug room if some operation loaded it; before that no session exists to write to. */
  debugIfLoaded(): DebugOps | null {
    return this.debugLoaded;
  }

  setPtySender(sender: PtySender | null): void {
    this.ptySender = sender;
    this.debugLoaded?.setSender(sender);
  }

  deploys(): Promise<DeployOps> {
    this.deployRoom ??= import("../deploy/deploy-ops").then(({ DeployOps }) => {
      const room = new DeployOps(this.opts.deployHost, this.opts.uploadDir);
      if (this.deploySender) room.setSender(this.deploySender);
      this.deployLoaded = room;
      return room;
    });
    return this.deployRoom;
  }

  /** Whether a deployment of the app runs now (none can before the deployment room is loaded). */
  deploying(appId: string): boolean {
    return this.deployLoaded?.isBusy(appId) ?? false;
  }

  setDeploySender(sender: DeploySender): void {
    this.deploySender = sender;
    this.deployLoaded?.setSender(sender);
  }

  webConfig() {
    return import("../apply/web-config-ops");
  }

  discovery() {
    return import("../discovery/discover");
  }

  guided() {
    return import("../guided/guided-ops");
  }

  /** Reading an app's log history (search, its regex engine, tails by position, chunks). */
  logReads() {
    return import("./read-log-op");
  }
}
