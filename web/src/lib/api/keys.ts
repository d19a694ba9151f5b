/** Query keys per resource, shared by every feature that reads or changes it. */
export const keys = {
  me: ["me"] as const,
  systems: (params?: object) => ["systems", params ?? {}] as const,
  system: (id: string) => ["system", id] as const,
  standing: (id: string) => ["system", id, "standing"] as const,
  assessments: (params?: object) => ["assessments", params ?? {}] as const,
  assessment: (id: string) => ["assessment", id] as const,
  preview: (id: string) => ["assessment", id, "preview"] as const,
  rounds: (id: string) => ["assessment", id, "rounds"] as const,
  questionnaire: (key: string, version: string) => ["questionnaire", key, version] as const,
  questionnaires: ["questionnaires"] as const,
  incidents: (params?: object) => ["incidents", params ?? {}] as const,
  incident: (id: string) => ["incident", id] as const,
};
