"use client";
// The app spec as JSON in CodeMirror, with the spec's JSON Schema (made from the same zod schema the
// API parses with): completion of field names and values, inline errors, hover docs. Colours come
// from the dashboard's CSS variables, so it follows light and dark mode.
import { autocompletion, closeBrackets } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, indentOnInput, syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";
import { lintGutter } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers } from "@codemirror/view";
import { jsonSchema } from "codemirror-json-schema";
import { useEffect, useRef } from "react";
import * as z from "zod";
import { AppSpecSchema } from "@/lib/protocol/app-spec";

// Input side: defaults are optional, as the API accepts them. Refinements have no JSON Schema form
// and are left to the API's answer (listed under the editor).
type JSONSchema7 = NonNullable<Parameters<typeof jsonSchema>[0]>;
let schema: JSONSchema7 | null = null;
export function appSpecJsonSchema(): JSONSchema7 {
  schema ??= z.toJSONSchema(AppSpecSchema, { io: "input", unrepresentable: "any", target: "draft-7" }) as JSONSchema7;
  return schema;
}

const theme = EditorView.theme({
  "&": { backgroundColor: "var(--surface)", color: "var(--ink)", fontSize: "12px", border: "1px solid var(--line)", borderRadius: "0.5rem" },
  "&.cm-focused": { outline: "none", borderColor: "var(--accent)" },
  ".cm-content": { fontFamily: "var(--font-mono)", caretColor: "var(--ink)" },
  ".cm-gutters": { backgroundColor: "var(--panel)", color: "var(--muted)", borderRight: "1px solid var(--line)" },
  ".cm-tooltip": { backgroundColor: "var(--panel)", color: "var(--ink)", border: "1px solid var(--line)" },
  ".cm-tooltip-autocomplete ul li[aria-selected]": { backgroundColor: "var(--accent)", color: "white" },
  ".cm-scroller": { maxHeight: "55vh", overflow: "auto" },
});

type Props = { value: string; onChange: (text: string) => void; label: string; readOnly?: boolean };

export function JsonSpecEditor({ value, onChange, label, readOnly = false }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  // The editor owns its text once created; `value`, the label and read-only seed it.
  const initial = useRef({ value, label, readOnly });

  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initial.current.value,
        extensions: [
          lineNumbers(),
          history(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          autocompletion(),
          lintGutter(),
          syntaxHighlighting(defaultHighlightStyle),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          jsonSchema(appSpecJsonSchema()),
          theme,
          EditorView.contentAttributes.of({ "aria-label": initial.current.label }),
          EditorState.readOnly.of(initial.current.readOnly),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) changed.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
  }, []);

  return <div ref={host} data-testid="json-spec-editor" />;
}
