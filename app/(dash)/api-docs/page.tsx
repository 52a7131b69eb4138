// The API reference, rendered from the OpenAPI document.
import { config } from "@/lib/config";
import { openApiDocument } from "@/lib/openapi/openapi-document";

export default function ApiDocsPage() {
  const doc = openApiDocument(config.basePath);
  return (
    <>
      <div className="mb-4 flex items-center justify-between">
        <h1 className="text-lg font-semibold">API reference</h1>
        <a href={`${config.basePath}/api/v1/openapi.json`} className="text-xs text-accent underline">
          openapi.json
        </a>
      </div>
      <p className="mb-4 text-muted">
        Base URL <code>{doc.servers[0].url}</code>. Authenticate with <code>Authorization: Bearer &lt;token&gt;</code> (create one under API tokens).
      </p>
      <div className="space-y-2">
        {Object.entries(doc.paths).flatMap(([path, ops]) =>
          Object.entries(ops).map(([method, op]) => {
            const o = op as { summary: string; description: string; requestBody?: { content: { "application/json": { schema: unknown } } } };
            return (
              <details key={`${method} ${path}`} className="rounded-lg border border-line bg-panel">
                <summary className="flex cursor-pointer items-center gap-3 px-3 py-2">
                  <span className="w-16 font-mono text-xs font-semibold uppercase text-accent">{method}</span>
                  <code className="text-sm">{path}</code>
                  <span className="ml-auto text-xs text-muted">{o.summary}</span>
                </summary>
                <div className="border-t border-line px-3 py-2 text-xs">
                  <p className="mb-2 text-muted">{o.description}</p>
                  {o.requestBody && <pre className="max-h-80 overflow-auto rounded bg-surface p-2">{JSON.stringify(o.requestBody.content["application/json"].schema, null, 2)}</pre>}
                </div>
              </details>
            );
          }),
        )}
      </div>
    </>
  );
}
