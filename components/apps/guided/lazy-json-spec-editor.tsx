"use client";
// The JSON spec editor, loaded only in the browser and only when the JSON view is opened (CodeMirror is large).
import dynamic from "next/dynamic";

export const JsonSpecEditor = dynamic(() => import("./json-spec-editor").then((m) => m.JsonSpecEditor), { ssr: false, loading: () => <p className="text-xs text-muted">Loading the editor…</p> });
