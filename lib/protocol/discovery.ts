// Discovery and import: what an agent reports about FastCGI apps it found already running or
// configured on its host, and the `adopt` part of POST /api/v1/apps that takes them over.
import * as z from "zod";

/** A proposed app: a spec as POST /api/v1/apps takes it, the pids to adopt, and where it was found. */
export const DiscoveryCandidateSchema = z.object({
  /** An app spec (input form). The agent leaves hostId out; the control plane fills it in. */
  spec: z.record(z.string(), z.unknown()),
  /** The running processes serving it (empty: configured but not running). */
  pids: z.array(z.number().int().min(1)).max(256),
  /** Where it was found, for a person: config files and lines, processes, units. */
  source: z.string().max(4000),
});
export type DiscoveryCandidate = z.infer<typeof DiscoveryCandidateSchema>;

export const DiscoveryResultSchema = z.object({ candidates: z.array(DiscoveryCandidateSchema).max(500) });
export type DiscoveryResult = z.infer<typeof DiscoveryResultSchema>;

/** `"adopt": {"pids": [...]}`: take over these running processes (and their socket) instead of starting new ones. */
export const AdoptSchema = z.strictObject({
  pids: z.array(z.number().int().min(2, "A pid is a positive number above 1.")).min(1, "Name at least one pid to adopt.").max(256),
});
export type Adopt = z.infer<typeof AdoptSchema>;
