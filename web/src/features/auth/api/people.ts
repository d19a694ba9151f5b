/** Sign-in, invitations and password reset (the people API), through the generated client. */
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type SignInMethods = Schemas["SignInMethods"];
export type InvitationInfo = Schemas["InvitationView"];

export const people = {
  methods: async () => unwrap(await api.GET("/v1/auth/methods")),
  signIn: async (body: Schemas["SignIn"]) => unwrap(await api.POST("/v1/auth/sign-in", { body })),
  signOut: async () => {
    unwrap(await api.POST("/v1/auth/sign-out"));
  },
  switchOrganization: async (body: Schemas["OrganizationSwitch"]) =>
    unwrap(await api.PUT("/v1/auth/session/organization", { body })),
  requestReset: async (body: Schemas["PasswordResetRequest"]) => {
    unwrap(await api.POST("/v1/auth/password-reset", { body }));
  },
  completeReset: async (body: Schemas["PasswordResetComplete"]) =>
    unwrap(await api.POST("/v1/auth/password-reset/complete", { body })),
  invitation: async (token: string) =>
    unwrap(await api.GET("/v1/auth/invitations/{token}", { params: { path: { token } } })),
  acceptInvitation: async (body: Schemas["InvitationAccept"]) =>
    unwrap(await api.POST("/v1/auth/invitations/accept", { body })),
};

/** The token of a link's fragment (`#token=...`): browsers never send it to the server. */
export function tokenFromHash(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, "")).get("token");
}
