import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, apiKey, ApiError, unwrap, type Schemas } from "@/lib/api/client";

export type Supplier = Schemas["SupplierPublic"];
export type SupplierProfile = Schemas["SupplierProfile"];
export type VendorRequest = Schemas["VendorRequestPublic"];
export type VendorRequestSummary = Schemas["VendorRequestSummary"];
export type VendorRequestCreated = Schemas["VendorRequestCreated"];
export type Evidence = Schemas["EvidencePublic"];

export const supplierKeys = {
  suppliers: (q?: string) => ["suppliers", q ?? ""] as const,
  supplier: (id: string) => ["supplier", id] as const,
  requests: (supplierId?: string) => ["supplier-requests", supplierId ?? ""] as const,
  request: (id: string) => ["supplier-request", id] as const,
};

const etagOf = (response: Response, revision: number) => response.headers.get("ETag") ?? `"r${String(revision)}"`;

export function useSuppliers(q?: string) {
  return useQuery({
    queryKey: supplierKeys.suppliers(q),
    queryFn: async () => unwrap(await api.GET("/v1/suppliers", { params: { query: { limit: 200, ...(q ? { q } : {}) } } })),
  });
}

export function useSupplier(id: string) {
  return useQuery({
    queryKey: supplierKeys.supplier(id),
    queryFn: async () => {
      const result = await api.GET("/v1/suppliers/{supplier_id}", { params: { path: { supplier_id: id } } });
      const data = unwrap(result);
      return { ...data, etag: etagOf(result.response, data.revision) };
    },
    enabled: !!id,
  });
}

/** Every request (up to 200), overdue first, then by due date. */
export function useRequests(supplierId?: string) {
  return useQuery({
    queryKey: supplierKeys.requests(supplierId),
    queryFn: async () => {
      const page = unwrap(
        await api.GET("/v1/supplier-requests", { params: { query: { limit: 200, ...(supplierId ? { supplier_id: supplierId } : {}) } } }),
      );
      return [...page.items].sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.due_date.localeCompare(b.due_date));
    },
  });
}

export function useRequest(id: string) {
  return useQuery({
    queryKey: supplierKeys.request(id),
    queryFn: async () => {
      const result = await api.GET("/v1/supplier-requests/{request_id}", { params: { path: { request_id: id } } });
      const data = unwrap(result);
      return { ...data, etag: etagOf(result.response, data.revision) };
    },
  });
}

export function useQuestionnaires() {
  return useQuery({
    queryKey: ["questionnaires"],
    queryFn: async () => unwrap(await api.GET("/v1/questionnaires")),
    staleTime: 300_000,
  });
}

export function useCreateSupplier() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["SupplierCreate"]) => unwrap(await api.POST("/v1/suppliers", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["suppliers"] }),
  });
}

export function useAddContact(supplierId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ContactCreate"]) =>
      unwrap(await api.POST("/v1/suppliers/{supplier_id}/contacts", { params: { path: { supplier_id: supplierId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: supplierKeys.supplier(supplierId) }),
  });
}

export function useAddProduct(supplierId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ProductCreate"]) =>
      unwrap(await api.POST("/v1/suppliers/{supplier_id}/products", { params: { path: { supplier_id: supplierId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: supplierKeys.supplier(supplierId) }),
  });
}

export function useSendRequest(supplierId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["RequestCreate"]) =>
      unwrap(
        await api.POST("/v1/suppliers/{supplier_id}/requests", {
          params: { path: { supplier_id: supplierId }, header: { "Idempotency-Key": crypto.randomUUID() } },
          body,
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: supplierKeys.supplier(supplierId) });
      await queryClient.invalidateQueries({ queryKey: ["supplier-requests"] });
    },
  });
}

export function useReviewRequest(requestId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ body, etag }: { body: Schemas["VendorRequestReviewBody"]; etag: string }) =>
      unwrap(
        await api.POST("/v1/supplier-requests/{request_id}/review", {
          params: { path: { request_id: requestId }, header: { "If-Match": etag } },
          body,
        }),
      ),
    onSuccess: async (data) => {
      await queryClient.invalidateQueries({ queryKey: supplierKeys.request(requestId) });
      await queryClient.invalidateQueries({ queryKey: supplierKeys.supplier(data.supplier_id) });
      await queryClient.invalidateQueries({ queryKey: ["supplier-requests"] });
      await queryClient.invalidateQueries({ queryKey: ["suppliers"] });
    },
  });
}

export function useInvitationAction(requestId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (action: "resend" | "revoke") => {
      const path = { params: { path: { request_id: requestId } } };
      if (action === "revoke") {
        unwrap(await api.POST("/v1/supplier-requests/{request_id}/invitation/revoke", path));
        return null;
      }
      return unwrap(await api.POST("/v1/supplier-requests/{request_id}/invitation", { ...path, body: {} }));
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: supplierKeys.request(requestId) }),
  });
}

/** Downloads an evidence file with the caller's credentials, under its own name. */
export async function downloadEvidence(requestId: string, evidence: Evidence) {
  const headers: Record<string, string> = {};
  const key = apiKey.get();
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(`/v1/supplier-requests/${requestId}/evidence/${evidence.id}/content`, { credentials: "include", headers });
  if (!response.ok) throw new ApiError(response.status, {}, response);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = evidence.filename;
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); }, 60_000);
}
