// GET: deployment history, newest first. POST {ref?} or multipart {archive, ref?}: start a deployment (admin).
import * as z from "zod";
import { startDeployment } from "@/lib/deploy/start-deployment";
import { listDeployments } from "@/lib/deploy/deploy-queries";
import { handler } from "@/lib/http/handler";
import { LIMITS } from "@/lib/http/limits";
import { parseBody, readBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { ARCHIVE_MAX_BYTES, GitRefNameSchema } from "@/lib/protocol";
import { err, type Result } from "@/lib/result";

const BodySchema = z.strictObject({ ref: GitRefNameSchema.optional() });

async function parseUpload(req: Request): Promise<Result<{ ref?: string; archive?: Buffer }>> {
  // Counted as it streams (lib/http/parse-body): the multipart envelope adds a little over the archive.
  const raw = await readBody(req, LIMITS.uploadBody);
  if (!raw.ok) return raw;
  const form = await new Response(new Uint8Array(raw.value), { headers: { "content-type": req.headers.get("content-type") ?? "" } }).formData().catch(() => null);
  const file = form?.get("archive");
  if (!form || !(file instanceof Blob)) return err("BAD_REQUEST", "Send the .tar.gz as the multipart field \"archive\".");
  if (file.size > ARCHIVE_MAX_BYTES) return err("BAD_REQUEST", `The archive is larger than ${ARCHIVE_MAX_BYTES >> 20} MiB.`);
  return { ok: true, value: { archive: Buffer.from(await file.arrayBuffer()) } };
}

export const GET = handler("read", async (_req, { params }) => toResponse(await listDeployments(params.id)));

export const POST = handler("apps.write", async (req, { params, audit }) => {
  const multipart = req.headers.get("content-type")?.startsWith("multipart/form-data");
  const body = multipart ? await parseUpload(req) : await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await startDeployment(params.id, { kind: "deploy", ...body.value }, audit), 202);
});
