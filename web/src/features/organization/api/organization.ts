/** The organisation as the subject of its own assessments: AIMS readiness (ISO/IEC 42001). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type OrganizationReadiness = Schemas["OrganizationReadiness"];
export type ApprovedReadiness = Schemas["ApprovedReadiness"];
export type ClauseReadiness = Schemas["ClauseReadiness"];
export type ReadinessGap = Schemas["ReadinessGap"];

export const READINESS_KEY = "aims-readiness";

export const organizationKeys = {
  readiness: ["organization", "readiness"] as const,
  assessments: ["organization", "assessments"] as const,
};

export function useReadiness() {
  return useQuery({
    queryKey: organizationKeys.readiness,
    queryFn: async () => unwrap(await api.GET("/v1/organization/readiness")),
  });
}

/** The organisation's own assessments, newest first (the API's order); one page of 50 is its history. */
export function useOrganizationAssessments() {
  return useQuery({
    queryKey: organizationKeys.assessments,
    queryFn: async () =>
      unwrap(await api.GET("/v1/organization/assessments", { params: { query: { limit: 50 } } })).items,
  });
}

/** Starts a readiness assessment of the organisation; resolves to the new draft. */
export function useStartReadiness() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/organization/assessments", {
          body: { questionnaire_key: READINESS_KEY },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["organization"] });
      await queryClient.invalidateQueries({ queryKey: ["assessments"] });
    },
  });
}

/** A clause's share of its points, 0–100, for a progress bar. */
export function clauseShare(clause: Pick<ClauseReadiness, "value" | "max">): number {
  if (clause.value == null || !clause.max) return 0;
  return Math.round((clause.value / clause.max) * 100);
}
