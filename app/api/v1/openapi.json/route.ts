// GET: the OpenAPI 3.1 document of this API (public, like any API's docs).
import { config } from "@/lib/config";
import { publicHandler } from "@/lib/http/handler";
import { openApiDocument } from "@/lib/openapi/openapi-document";

export const GET = publicHandler(async () => Response.json(openApiDocument(config.basePath)));
