"use client";
// One app spec being written, in the guided form or as JSON (one click apart), for "New app" and for
// editing an app: switching views carries the spec over (what only the JSON has stays in it), "Check"
// asks the host, and save sends the same document. The caller says where check and save go.
import { useState } from "react";
import type { ApiResult } from "../../api-client";
import { type AppForm, formToSpec, specToForm } from "./form-spec";

export type FieldError = { path: string; message: string };
type Spec = Record<string, unknown>;

export function useSpecDraft<T>(opts: { form: () => AppForm; base?: Spec; check: (spec: unknown) => Promise<ApiResult<unknown>>; save: (spec: unknown) => Promise<ApiResult<T>> }) {
  const [mode, setMode] = useState<"form" | "json">("form");
  const [form, setForm] = useState<AppForm>(opts.form);
  // The spec the form is laid over: the saved app's, or the last JSON (its fields without a form field).
  const [base, setBase] = useState<Spec>(opts.base ?? {});
  const [text, setText] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState<"" | "check" | "save">("");

  const update = (change: (f: AppForm) => AppForm) => {
    setForm(change);
    setChecked(false);
  };
  const editText = (t: string) => {
    setText(t);
    setChecked(false);
  };
  const spec = (): unknown => {
    if (mode === "form") return formToSpec(form, base);
    try {
      return JSON.parse(text);
    } catch (e) {
      setErrors([{ path: "(json)", message: (e as Error).message }]);
      return null;
    }
  };
  const switchTo = (next: "form" | "json") => {
    if (next === mode) return;
    if (next === "json") setText(JSON.stringify(formToSpec(form, base), null, 2));
    else {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
          setBase(parsed as Spec);
          setForm((f) => specToForm(parsed, f));
        }
      } catch {
        // the form keeps what it had; the JSON's own errors show in the editor
      }
    }
    setMode(next);
  };
  const send = async (kind: "check" | "save"): Promise<T | null> => {
    const body = spec();
    if (body === null) return null;
    setBusy(kind);
    const r = kind === "check" ? await opts.check(body) : await opts.save(body);
    setBusy("");
    if (!r.ok) {
      setChecked(false);
      setErrors(r.error.fields?.length ? r.error.fields : [{ path: "", message: r.error.message }]);
      return null;
    }
    setErrors([]);
    if (kind === "check") setChecked(true);
    return r.value as T;
  };
  return { mode, switchTo, form, update, text, setText: editText, errors, setErrors, checked, busy, send };
}
