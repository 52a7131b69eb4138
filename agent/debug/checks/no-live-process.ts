// An app with no live process (every slot BACKOFF or FATAL): what answers on its socket is the
// agent's own "unavailable" page (supervisor/unavailable-responder.ts), not the app. The doctor
// says so, with the state, the last exit and that process's output; the cause, when the output
// checks recognise one, is named by withCause in doctor.ts.
import type { DoctorFinding } from "../../../lib/protocol";
import type { AppDown } from "../../supervisor/app-availability";
import { UNAVAILABLE_MARK } from "../../supervisor/unavailable-responder";

function exitText(exit: AppDown["lastExit"]): string {
  if (!exit) return "no exit recorded";
  const who = exit.pid ? `process ${exit.pid}` : "the process";
  if (exit.error) return `${who} could not be started (${exit.error})`;
  return `${who} exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`;
}

export function noLiveProcessFinding(down: AppDown): DoctorFinding {
  const tail = down.output.trim().split("\n").slice(-20).join("\n");
  return {
    code: "no-live-process",
    severity: "error",
    title: `The app has no live process (${down.state})`,
    detail:
      `Every process of the app has exited (${down.state}); last: ${exitText(down.lastExit)}. ` +
      "Requests get the agent's own 503 page (\"… is unavailable\") until a process runs: that 503 is not the app's answer." +
      (tail ? `\n\nOutput of the last process:\n${tail}` : "\n\nThe last process printed nothing."),
    fix:
      down.state === "FATAL"
        ? "Fix the cause its output shows (the findings below name it when the doctor recognises it), then press Start: FATAL does not retry by itself."
        : "Fix the cause its output shows (the findings below name it when the doctor recognises it); the agent keeps retrying with backoff, or restart the app.",
  };
}

/** The agent's own 503 page, recognised in a probe's answer when the doctor was not told the app is down (a race, or a caller without the supervisor): the state it names, else null. */
export function unavailablePageState(status: number, body: string): string | null {
  if (status !== 503) return null;
  const at = body.indexOf(`${UNAVAILABLE_MARK} (`);
  if (at < 0) return null;
  return body.slice(at + UNAVAILABLE_MARK.length + 2).match(/^[A-Z]+/)?.[0] ?? "unknown";
}
