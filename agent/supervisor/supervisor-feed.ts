// What the supervisor tells its listeners (the control link): status reports and process
// transitions. Transitions from before anyone listened (adoption at start) wait for the first one.
import type { AppStatus, ProcessTransition } from "../../lib/protocol";

const MAX_UNHEARD = 5000;

export type SupervisorListener = {
  status(apps: AppStatus[]): void;
  transition(t: ProcessTransition): void;
};

export class SupervisorFeed {
  private listeners = new Set<SupervisorListener>();
  private unheard: ProcessTransition[] = []; // transitions before anyone listened (adoption at start)
  /** pids whose exit the log keeper already reported (adoption does not report them again). */
  readonly exitsReported = new Set<number>();

  listen(listener: SupervisorListener): () => void {
    this.listeners.add(listener);
    // Adoption happens before the control link exists: what happened meanwhile goes to the first listener.
    for (const t of this.unheard.splice(0)) listener.transition(t);
    return () => this.listeners.delete(listener);
  }

  /** What happened while no agent ran (the log keeper's replacements), for the apps' timelines. */
  reportPast(transitions: ProcessTransition[]): void {
    for (const t of transitions) {
      if (t.to === "EXITED") this.exitsReported.add(t.pid);
      this.transition(t);
    }
  }

  transition(t: ProcessTransition): void {
    if (!this.listeners.size) {
      this.unheard.push(t);
      if (this.unheard.length > MAX_UNHEARD) this.unheard.shift();
    }
    for (const l of this.listeners) l.transition(t);
  }

  status(apps: AppStatus[]): void {
    for (const l of this.listeners) l.status(apps);
  }
}
