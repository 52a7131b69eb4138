// GET: the host's allowed run-as users ({users: string[] | null}; null = no list: anyone but root).
// PUT {users}: replace the list. Owner only (it decides who may run as which user, root included); audited.
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { getHostRunAsUsers, RunAsUsersSchema, setHostRunAsUsers } from "@/lib/hosts/run-as-users";

export const GET = handler("read", async (_req, { params }) => toResponse(await getHostRunAsUsers(params.id)));

export const PUT = handler("hosts.run-as", async (req, { params, audit }) => {
  const body = await parseBody(req, RunAsUsersSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await setHostRunAsUsers(params.id, body.value, audit));
});
