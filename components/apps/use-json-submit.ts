"use client";
// A JSON document edited as text and sent to the API: a parse error or the API's field errors are
// listed by path; the caller decides what success means.
import { useState } from "react";
import type { ApiError, ApiResult } from "../api-client";

export type FieldError = { path: string; message: string };

export function useJsonSubmit<T>(initial: () => string, send: (body: unknown) => Promise<ApiResult<T>>) {
  const [text, setText] = useState(initial);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<{ ok: true; value: T } | { ok: false; error: ApiError | null }> => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      setErrors([{ path: "(json)", message: (e as Error).message }]);
      return { ok: false, error: null };
    }
    setBusy(true);
    const r = await send(body);
    setBusy(false);
    if (r.ok) {
      setErrors([]);
      return r;
    }
    setErrors(r.error.fields?.length ? r.error.fields : [{ path: "", message: r.error.message }]);
    return r;
  };
  return { text, setText, errors, busy, submit };
}
