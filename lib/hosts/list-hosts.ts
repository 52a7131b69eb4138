// Hosts with their live status.
import "server-only";
import { db } from "../db";
import type { HostView } from "../protocol";
import { hostView } from "./host-view";

export async function listHosts(): Promise<HostView[]> {
  const hosts = await db.host.findMany({ orderBy: { name: "asc" } });
  return hosts.map(hostView);
}
