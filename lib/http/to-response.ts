// Maps a Result to an HTTP response: one status per error code, a JSON body meant for people.
import type { ErrorCode, Result } from "../result";

const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  SECOND_FACTOR_REQUIRED: 403, // the owner requires a second factor: enrol first (lib/auth/two-factor-policy)
  NOT_FOUND: 404,
  CONFLICT: 409,
  HOST_OFFLINE: 503,
  TIMEOUT: 504,
  FAILED: 422,
  RATE_LIMITED: 429,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  STORAGE_FULL: 507, // Insufficient Storage: the disk is full, nothing was saved
  INTERNAL: 500,
};

export function toResponse<T>(result: Result<T>, okStatus = 200): Response {
  if (result.ok) return Response.json(result.value, { status: okStatus });
  const { code, message, fields, detail } = result;
  return Response.json({ code, message, ...(fields ? { fields } : {}), ...(detail !== undefined ? { detail } : {}) }, { status: STATUS[code] });
}
