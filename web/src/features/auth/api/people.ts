/**
 * Sign-in, invitations and password reset, typed after the people contract
 * (/work/coord/PEOPLE_API.md). Until those operations are in openapi/openapi.json this module
 * types their bodies itself; once they are, these calls move to the generated client.
 */
import { ApiError, type Problem } from "@/lib/api/client";
import type { Me, Role } from "@/lib/session";

async function call<TOut>(method: "GET" | "POST" | "PUT", path: `/v1/${string}`, body?: object): Promise<TOut> {
  const response = await fetch(path, {
    method,
    credentials: "include",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : null,
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as Partial<Problem>;
    throw new ApiError(response.status, problem, response);
  }
  return (response.status === 204 || response.status === 202 ? undefined : await response.json()) as TOut;
}

export interface SignInMethods {
  password: boolean;
  oidc: { name: string; start_url: string } | null;
}

export interface InvitationInfo {
  email: string;
  organization: { name: string };
  role: Role;
  expires_at: string;
}

export const people = {
  methods: () => call<SignInMethods>("GET", "/v1/auth/methods"),
  signIn: (body: { email: string; password: string }) => call<Me>("POST", "/v1/auth/sign-in", body),
  signOut: () => call<undefined>("POST", "/v1/auth/sign-out"),
  switchOrganization: (body: { organization_id: string }) =>
    call<Me>("PUT", "/v1/auth/session/organization", body),
  requestReset: (body: { email: string }) => call<undefined>("POST", "/v1/auth/password-reset", body),
  completeReset: (body: { token: string; new_password: string }) =>
    call<Me>("POST", "/v1/auth/password-reset/complete", body),
  invitation: (token: string) => call<InvitationInfo>("GET", `/v1/auth/invitations/${encodeURIComponent(token)}`),
  acceptInvitation: (body: { token: string; display_name: string; password: string }) =>
    call<Me>("POST", "/v1/auth/invitations/accept", body),
};

/** The token of a link's fragment (`#token=...`): browsers never send it to the server. */
export function tokenFromHash(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, "")).get("token");
}
