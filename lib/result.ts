// Result helpers for lib: re-exported from the wire contract so agent and control plane share codes.
export { err, ok, type Err, type ErrorCode, type FieldError, type Ok, type Result } from "./protocol";
