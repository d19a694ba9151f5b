import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, apiKey, ApiError, unwrap, type Schemas } from "@/lib/api/client";

export type User = Schemas["UserPublic"];
export type Role = Schemas["Role"];
export type ApiKey = Schemas["ApiKeyPublic"];
export type AuditEvent = Schemas["AuditEventPublic"];

export const ROLES: Role[] = ["admin", "assessor", "reviewer", "procurement", "viewer"];
export const SCOPES = ["read", "systems:write", "assessments:write", "assessments:review", "procurement", "admin"] as const;

const ifMatch = (u: User) => ({ "If-Match": `"r${String(u.revision)}"` });

export function useUsers() {
  return useQuery({ queryKey: ["users"], queryFn: async () => unwrap(await api.GET("/v1/users", { params: { query: { limit: 200 } } })).items });
}

export function useInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["InvitationCreate"]) => unwrap(await api.POST("/v1/users/invitations", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
}

export function useChangeRole() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ user, role }: { user: User; role: Role }) =>
      unwrap(await api.PATCH("/v1/users/{user_id}", { params: { path: { user_id: user.id }, header: ifMatch(user) }, body: { role } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
}

export function useDeactivate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (user: User) =>
      unwrap(await api.POST("/v1/users/{user_id}/deactivate", { params: { path: { user_id: user.id }, header: ifMatch(user) } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
}

export function useApiKeys(includeRevoked: boolean) {
  return useQuery({
    queryKey: ["api-keys", includeRevoked],
    queryFn: async () => unwrap(await api.GET("/v1/api-keys", { params: { query: { include_revoked: includeRevoked, limit: 200 } } })).items,
  });
}

export function useCreateKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ApiKeyCreate"]) => unwrap(await api.POST("/v1/api-keys", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
  });
}

export function useRevokeKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST("/v1/api-keys/{key_id}/revoke", { params: { path: { key_id: id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
  });
}

export interface AuditFilters {
  entity_type?: string;
  entity_id?: string;
  action?: string;
}

export function useAuditEvents(filters: AuditFilters) {
  return useQuery({
    queryKey: ["audit-events", filters],
    queryFn: async () => unwrap(await api.GET("/v1/audit-events", { params: { query: { ...filters, limit: 100 } } })),
  });
}

export function useVerifyAudit() {
  return useMutation({ mutationFn: async () => unwrap(await api.GET("/v1/audit-events/verify")) });
}

export function useSoa() {
  return useQuery({
    queryKey: ["soa"],
    // The JSON form (the CSV is its own download).
    queryFn: async () => unwrap(await api.GET("/v1/statement-of-applicability", { params: { query: { format: "json" } } })) as Schemas["StatementOfApplicability"],
  });
}

/** The Statement of Applicability as CSV, fetched with the caller's credentials and saved. */
export async function downloadSoaCsv() {
  const headers: Record<string, string> = {};
  const key = apiKey.get();
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch("/v1/statement-of-applicability?format=csv", { credentials: "include", headers });
  if (!response.ok) throw new ApiError(response.status, {}, response);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = "statement-of-applicability.csv";
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); }, 60_000);
}
