import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { SaveFn } from "@/components/filler/useAutosave";
import { answerProblems, api, apiKey, ApiError, unwrap, type Schemas } from "@/lib/api/client";
import { keys } from "@/lib/api/keys";
import type { QDocument } from "@/lib/conditions/questionnaire";

export type Assessment = Schemas["AssessmentPublic"];
export type EvaluationResult = Schemas["EvaluationResult"];
export type Round = Schemas["RoundPublic"];

export function useAssessment(id: string) {
  return useQuery({
    queryKey: keys.assessment(id),
    queryFn: async () => {
      const result = await api.GET("/v1/assessments/{assessment_id}", { params: { path: { assessment_id: id } } });
      const data = unwrap(result);
      return { ...data, etag: result.response.headers.get("ETag") ?? `"r${String(data.revision)}"` };
    },
  });
}

/** A questionnaire version as the API serves it (localised); immutable, so cached for good. */
export function useQuestionnaireDocument(key: string | undefined, version: string | undefined) {
  return useQuery({
    queryKey: keys.questionnaire(key ?? "", version ?? ""),
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/questionnaires/{key}/versions/{version}", {
          params: { path: { key: key ?? "", version: version ?? "" } },
        }),
      ) as unknown as QDocument,
    enabled: !!key && !!version,
    staleTime: Infinity,
  });
}

export function usePreview(id: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.preview(id),
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/assessments/{assessment_id}/preview", {
          // with the trace: each fired rule shows the answers it read
          params: { path: { assessment_id: id }, query: { trace: true } },
        }),
      ),
    enabled,
  });
}

export function useRounds(id: string) {
  return useQuery({
    queryKey: keys.rounds(id),
    // Rounds come in round order, a page at a time; an assessment has far fewer than 200.
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/assessments/{assessment_id}/rounds", {
          params: { path: { assessment_id: id }, query: { limit: 200 } },
        }),
      ).items,
  });
}

export function useSubmittedAssessments() {
  return useQuery({
    queryKey: keys.assessments({ status: "submitted" }),
    queryFn: async () => unwrap(await api.GET("/v1/assessments", { params: { query: { status: "submitted", limit: 200 } } })),
  });
}

/** Autosave of a draft: If-Match, `Prefer: return=minimal`; a 412 brings the answers saved elsewhere. */
export function saveAnswers(id: string): SaveFn {
  return async (patch, etag) => {
    const result = await api.PATCH("/v1/assessments/{assessment_id}/answers", {
      params: { path: { assessment_id: id }, header: { "If-Match": etag, Prefer: "return=minimal" } },
      body: { answers: patch },
    });
    const { response } = result;
    if (response.ok) return { kind: "saved", etag: response.headers.get("ETag") ?? etag };
    if (response.status === 412) {
      const fresh = await api.GET("/v1/assessments/{assessment_id}", { params: { path: { assessment_id: id } } });
      const data = unwrap(fresh);
      return { kind: "conflict", etag: fresh.response.headers.get("ETag") ?? `"r${String(data.revision)}"`, answers: data.answers };
    }
    if (response.status === 422) {
      const errors = answerProblems((result.error ?? {}));
      if (Object.keys(errors).length > 0) return { kind: "invalid", errors };
    }
    throw new ApiError(response.status, (result.error ?? {}), response);
  };
}

export function useSubmit(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (etag: string) =>
      unwrap(
        await api.POST("/v1/assessments/{assessment_id}/submit", {
          params: { path: { assessment_id: id }, header: { "If-Match": etag } },
          body: {},
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["assessment", id] }).then(() => queryClient.invalidateQueries({ queryKey: ["assessments"] })),
  });
}

export function useReview(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ body, etag }: { body: Schemas["AssessmentReviewBody"]; etag: string }) =>
      unwrap(
        await api.POST("/v1/assessments/{assessment_id}/review", {
          params: { path: { assessment_id: id }, header: { "If-Match": etag } },
          body,
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["assessment", id] });
      await queryClient.invalidateQueries({ queryKey: ["assessments"] });
    },
  });
}

/** Fetches an export with the caller's credentials and hands it to the browser. */
export async function download(path: `/v1/assessments/${string}`, filename: string | null) {
  const headers: Record<string, string> = {};
  const key = apiKey.get();
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(path, { credentials: "include", headers });
  if (!response.ok) throw new ApiError(response.status, {}, response);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  if (filename) a.download = filename;
  else a.target = "_blank";
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); }, 60_000);
}
