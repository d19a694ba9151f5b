/** The one API layer: a client typed from openapi/openapi.json, sending the session cookie. */
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

const KEY_STORAGE = "aas:api-key";

/** An API key given at sign-in instead of a password (for service accounts and local use). */
export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string) => {
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  clear: () => {
    sessionStorage.removeItem(KEY_STORAGE);
  },
};

const bearer: Middleware = {
  onRequest({ request }) {
    const key = apiKey.get();
    if (key) request.headers.set("Authorization", `Bearer ${key}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "include" });
api.use(bearer);

/** An error response from the API, carrying its problem details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
    readonly response?: Response,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${String(status)}`);
  }
}

/** The data of an openapi-fetch result, or an ApiError with its problem details. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(result.response.status, (result.error ?? {}), result.response);
  }
  return result.data as T;
}

/** Problems of a 422 keyed by the answer item their JSON pointer names (`/answers/<id>...`). */
export function answerProblems(problem: Partial<Problem>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of problem.errors ?? []) {
    const m = /^\/answers\/([^/]+)/.exec(e.pointer ?? "");
    if (m?.[1]) out[m[1]] ??= e.detail;
  }
  return out;
}
