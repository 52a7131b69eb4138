// The browser's way to call /api/v1: base path, CSRF header, JSON errors turned into messages.
export const BASE_PATH = process.env.NEXT_PUBLIC_BASE_PATH ?? "";

export type ApiError = { code: string; message: string; fields?: { path: string; message: string }[]; detail?: unknown };
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** `body` is sent as JSON, or as multipart when it is FormData (a file upload). */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<ApiResult<T>> {
  const form = init.body instanceof FormData ? init.body : null;
  try {
    const res = await fetch(`${BASE_PATH}/api/v1${path}`, {
      method: init.method ?? "GET",
      // For FormData the browser sets the multipart content type with its boundary.
      headers: form ? { "x-stoker-csrf": "1" } : { "content-type": "application/json", "x-stoker-csrf": "1" },
      body: form ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
      credentials: "same-origin",
    });
    const json: unknown = await res.json().catch(() => null);
    if (res.ok) return { ok: true, value: json as T };
    const e = (json ?? {}) as Partial<ApiError>;
    return { ok: false, error: { code: e.code ?? String(res.status), message: e.message ?? `Request failed (${res.status}).`, fields: e.fields, detail: e.detail } };
  } catch {
    return { ok: false, error: { code: "NETWORK", message: "Cannot reach the control plane. Check your connection." } };
  }
}
