import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { keys } from "@/lib/api/keys";

export type AISystem = Schemas["AISystemPublic"];
export type AssessmentSummary = Schemas["AssessmentSummary"];
export interface SystemFilters {
  q?: string;
  sourcing?: Schemas["Sourcing"];
  lifecycle_stage?: Schemas["LifecycleStage"];
  business_unit?: string;
}

export function useSystems(filters: SystemFilters) {
  return useQuery({
    queryKey: keys.systems(filters),
    queryFn: async () => unwrap(await api.GET("/v1/ai-systems", { params: { query: { ...filters, limit: 200 } } })),
    placeholderData: keepPreviousData,
  });
}

/** Current approved assessments: the tier and due date of each system, per questionnaire. */
export function useCurrentAssessments() {
  return useQuery({
    queryKey: keys.assessments({ current: true }),
    queryFn: async () => unwrap(await api.GET("/v1/assessments", { params: { query: { current: true, limit: 200 } } })),
  });
}

export function useSystem(id: string) {
  return useQuery({
    queryKey: keys.system(id),
    queryFn: async () => unwrap(await api.GET("/v1/ai-systems/{system_id}", { params: { path: { system_id: id } } })),
  });
}

export function useStanding(id: string) {
  return useQuery({
    queryKey: keys.standing(id),
    queryFn: async () => unwrap(await api.GET("/v1/ai-systems/{system_id}/standing", { params: { path: { system_id: id } } })),
  });
}

export function useSystemAssessments(id: string) {
  return useQuery({
    queryKey: keys.assessments({ system_id: id }),
    queryFn: async () => unwrap(await api.GET("/v1/assessments", { params: { query: { system_id: id, limit: 200 } } })),
  });
}

export function useQuestionnaires() {
  return useQuery({
    queryKey: keys.questionnaires,
    queryFn: async () => unwrap(await api.GET("/v1/questionnaires")),
    staleTime: 5 * 60_000,
  });
}

export function useRegisterSystem() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["AISystemCreate"]) =>
      unwrap(await api.POST("/v1/ai-systems", { body, headers: { "Idempotency-Key": crypto.randomUUID() } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["systems"] }),
  });
}

export function useStartAssessment() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["AssessmentCreate"]) =>
      unwrap(await api.POST("/v1/assessments", { body, headers: { "Idempotency-Key": crypto.randomUUID() } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["assessments"] }),
  });
}
