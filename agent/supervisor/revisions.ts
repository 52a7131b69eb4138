// Desired vs running revision of each app. A saved revision that failed to apply stays desired but
// is never applied again by surprise (an agent restart, a control-plane resync): the running
// revision keeps running until the user retries or reverts.
import type { DesiredApp } from "../../lib/protocol";

export type FailedRevision = { revision: number; message: string };
/** What the state file keeps per app, beside the desired template. */
export type SavedRevisions = { running?: DesiredApp; failed?: FailedRevision };

export class Revisions {
  /** The template whose processes run (applied successfully). */
  private readonly running = new Map<string, DesiredApp>();
  private readonly failed = new Map<string, FailedRevision>();

  runningOf(appId: string): DesiredApp | undefined {
    return this.running.get(appId);
  }

  failedOf(appId: string): FailedRevision | undefined {
    return this.failed.get(appId);
  }

  /** True if `template` is a revision that already failed here: only an explicit retry applies it. */
  isKnownFailure(template: DesiredApp): boolean {
    return this.failed.get(template.appId)?.revision === template.revision;
  }

  applied(template: DesiredApp): void {
    this.running.set(template.appId, template);
    this.failed.delete(template.appId);
  }

  failedToApply(template: DesiredApp, message: string): void {
    // The first apply of an app that never ran leaves nothing running: nothing to protect, but
    // the failure is still shown, and not repeated by a resync.
    this.failed.set(template.appId, { revision: template.revision, message });
  }

  forget(appId: string): void {
    this.running.delete(appId);
    this.failed.delete(appId);
  }

  saved(appId: string): SavedRevisions {
    return { running: this.running.get(appId), failed: this.failed.get(appId) };
  }

  /**
   * After an agent restart: what to run is the running revision, not the desired one. A desired
   * revision that differs and has no recorded failure was being applied when the agent stopped:
   * it counts as failed too, so the restart does not make it live.
   */
  restore(desired: DesiredApp, saved: SavedRevisions): DesiredApp {
    const running = saved.running ?? desired;
    this.running.set(desired.appId, running);
    if (saved.failed) this.failed.set(desired.appId, saved.failed);
    else if (running.revision !== desired.revision) {
      this.failed.set(desired.appId, { revision: desired.revision, message: `Revision ${desired.revision} was being applied when the agent stopped; it was not applied again.` });
    }
    return { ...running, desired: desired.desired };
  }
}
