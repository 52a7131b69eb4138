// Typed results at boundaries: a closed set of error codes and a message written for people.
export type ErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "SECOND_FACTOR_REQUIRED"
  | "NOT_FOUND"
  | "CONFLICT"
  | "HOST_OFFLINE"
  | "TIMEOUT"
  | "FAILED"
  | "RATE_LIMITED"
  | "TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "STORAGE_FULL"
  | "INTERNAL";

export type FieldError = { path: string; message: string };

export type Ok<T> = { ok: true; value: T };
export type Err = { ok: false; code: ErrorCode; message: string; fields?: FieldError[]; detail?: unknown };
export type Result<T> = Ok<T> | Err;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = (code: ErrorCode, message: string, extra?: { fields?: FieldError[]; detail?: unknown }): Err => ({
  ok: false,
  code,
  message,
  ...extra,
});
