// What the agent and its log keeper (log-keeper.ts) say over `<state dir>/keeper.sock`: the agent
// holds a connection open as a lifeline; a new agent sends HANDBACK and gets, in one JSON line, the
// unfinished last lines the keeper was holding, after which the keeper has let go of every pipe.
import path from "node:path";
import * as z from "zod";

export const HANDBACK = "handback\n";

export const HandbackSchema = z.object({
  /** Lines the keeper stored while the agent was away (0 if it never had to). */
  storedLines: z.number().int().min(0),
  /** Each stream's unfinished last line (base64), to go in front of its next output. */
  held: z.array(z.object({ pid: z.number().int(), stream: z.enum(["out", "err"]), bytes: z.string() })),
});
export type Handback = z.infer<typeof HandbackSchema>;

export function keeperSocket(stateDir: string): string {
  return path.join(stateDir, "keeper.sock");
}
