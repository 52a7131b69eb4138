// POST {email, password}: creates the owner account on an empty database, then logs in.
import * as z from "zod";
import { clientIp } from "@/lib/audit/audit-context";
import { loginResponse } from "@/lib/auth/login-response";
import { createOwner } from "@/lib/auth/users";
import { publicHandler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

const BodySchema = z.strictObject({
  email: z.email("Enter a valid email address.").max(254),
  password: z.string().min(10, "Use at least 10 characters.").max(1024),
});

export const POST = publicHandler(async (req) => {
  const body = await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  const owner = await createOwner(body.value.email, body.value.password, clientIp(req));
  if (!owner.ok) return toResponse(owner);
  return loginResponse(req, owner.value.id, { ok: true }, 201);
});
