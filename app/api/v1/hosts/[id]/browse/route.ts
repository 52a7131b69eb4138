// GET ?path=/srv&user=www-data: a directory on the host as that user can read it (at most 500 entries).
import * as z from "zod";
import { browseHost } from "@/lib/hosts/guided";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";
import { AbsPathSchema, PosixNameSchema } from "@/lib/protocol";
import { err } from "@/lib/result";

const QuerySchema = z.object({ path: AbsPathSchema.default("/"), user: PosixNameSchema });

export const GET = handler("apps.write", async (req, { actor, params }) => {
  const q = QuerySchema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!q.success) return toResponse(err("BAD_REQUEST", "Give ?path= (an absolute path) and ?user= (the app's user).", { fields: q.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) }));
  return toResponse(await browseHost(actor, params.id, q.data.path, q.data.user));
});
