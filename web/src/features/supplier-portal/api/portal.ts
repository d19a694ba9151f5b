/**
 * The supplier portal's API: its own client, authenticated by the invitation token alone
 * (`Authorization: Invitation <token>`), never by a cookie or an API key.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import createClient from "openapi-fetch";
import type { SaveFn } from "@/components/filler/useAutosave";
import { answerProblems, ApiError, unwrap, type Schemas } from "@/lib/api/client";
import type { paths } from "@/lib/api/schema";
import type { QDocument } from "@/lib/conditions/questionnaire";

export type PortalRequest = Schemas["PortalRequest"];
export type Evidence = Schemas["EvidencePublic"];

const TOKEN_STORAGE = "aas:portal-token";
const ORG_STORAGE = "aas:portal-organization";

/** The invitation token: taken from the link's fragment once, then kept in this tab only. */
export const portalToken = {
  /** Moves a `#token=...` out of the address bar (and history) into session storage. */
  adopt(): string | null {
    const fromHash = new URLSearchParams(window.location.hash.replace(/^#/, "")).get("token");
    if (fromHash) {
      sessionStorage.setItem(TOKEN_STORAGE, fromHash);
      window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
    }
    return sessionStorage.getItem(TOKEN_STORAGE);
  },
  get: (): string | null => sessionStorage.getItem(TOKEN_STORAGE),
};

/** Who asked, remembered from the last time the link opened, for the page of a dead link. */
export const knownOrganization = {
  get: (): string | null => sessionStorage.getItem(ORG_STORAGE),
  set: (name: string) => {
    sessionStorage.setItem(ORG_STORAGE, name);
  },
};

const portalApi = createClient<paths>({ baseUrl: "", credentials: "omit" });
portalApi.use({
  onRequest({ request }) {
    const token = portalToken.get();
    if (token) request.headers.set("Authorization", `Invitation ${token}`);
    return request;
  },
});

const etagOf = (response: Response, revision: number) => response.headers.get("ETag") ?? `"r${String(revision)}"`;

export const portalKeys = {
  request: ["supplier-portal", "request"] as const,
  questionnaire: ["supplier-portal", "questionnaire"] as const,
};

export function usePortalRequest(enabled: boolean) {
  return useQuery({
    queryKey: portalKeys.request,
    queryFn: async () => {
      const result = await portalApi.GET("/v1/supplier-portal");
      const data = unwrap(result);
      knownOrganization.set(data.organization);
      return { ...data, etag: etagOf(result.response, data.revision) };
    },
    enabled,
  });
}

export function usePortalQuestionnaire(enabled: boolean) {
  return useQuery({
    queryKey: portalKeys.questionnaire,
    queryFn: async () => unwrap(await portalApi.GET("/v1/supplier-portal/questionnaire")) as unknown as QDocument,
    enabled,
    staleTime: Infinity,
  });
}

/** Autosave through the portal: If-Match; a 412 brings the answers saved elsewhere. */
export const savePortalAnswers: SaveFn = async (patch, etag) => {
  const result = await portalApi.PATCH("/v1/supplier-portal/answers", {
    params: { header: { "If-Match": etag } },
    body: { answers: patch },
  });
  const { response } = result;
  if (response.ok) return { kind: "saved", etag: response.headers.get("ETag") ?? etag };
  if (response.status === 412) {
    const fresh = await portalApi.GET("/v1/supplier-portal");
    const data = unwrap(fresh);
    return { kind: "conflict", etag: etagOf(fresh.response, data.revision), answers: data.answers };
  }
  if (response.status === 422) {
    const errors = answerProblems(result.error ?? {});
    if (Object.keys(errors).length > 0) return { kind: "invalid", errors };
  }
  throw new ApiError(response.status, result.error ?? {}, response);
};

/** The answers as the server has them now (after the last save), with their ETag. */
export async function freshRequest() {
  const result = await portalApi.GET("/v1/supplier-portal");
  const data = unwrap(result);
  return { ...data, etag: etagOf(result.response, data.revision) };
}

export function useSubmitPortal() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (etag: string) =>
      unwrap(await portalApi.POST("/v1/supplier-portal/submit", { params: { header: { "If-Match": etag } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: portalKeys.request }),
  });
}

/** The types the API accepts as evidence, by the file name's extension when the browser gives none. */
export const EVIDENCE_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  txt: "text/plain",
  csv: "text/csv",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  json: "application/json",
};
/** The server's default limit (APP_EVIDENCE_MAX_BYTES); the server checks again and says so. */
export const EVIDENCE_MAX_BYTES = 10 * 1024 * 1024;

export function evidenceTypeOf(file: File): string | null {
  const accepted = new Set(Object.values(EVIDENCE_TYPES));
  if (file.type && accepted.has(file.type)) return file.type;
  const ext = file.name.split(".").pop()?.toLowerCase() ?? "";
  return file.type && file.type !== "application/octet-stream" ? null : (EVIDENCE_TYPES[ext] ?? null);
}

export function useUploadEvidence() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ file, type, itemId }: { file: File; type: string; itemId: string | null }) =>
      unwrap(
        await portalApi.POST("/v1/supplier-portal/evidence", {
          params: { query: { filename: file.name, ...(itemId ? { item_id: itemId } : {}) } },
          // The raw bytes are the body; openapi-fetch would otherwise encode it as JSON.
          body: file as unknown as string,
          bodySerializer: (body: unknown) => body as BodyInit,
          headers: { "Content-Type": type },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: portalKeys.request }),
  });
}

export function useDeleteEvidence() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      const result = await portalApi.DELETE("/v1/supplier-portal/evidence/{evidence_id}", { params: { path: { evidence_id: id } } });
      if (!result.response.ok) throw new ApiError(result.response.status, result.error ?? {}, result.response);
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: portalKeys.request }),
  });
}
