import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, type Problem, type Schemas } from "@/lib/api/client";
import { keys } from "@/lib/api/keys";

export type Incident = Schemas["IncidentPublic"];
export type IncidentCreate = Schemas["IncidentCreate"];
export type IncidentUpdate = Schemas["IncidentUpdate"];
export type Clock = Schemas["ClockPublic"];
export type CorrectiveAction = Schemas["CorrectiveAction"];
export type ReportSent = Schemas["ReportSent"];
export type IncidentStatus = Schemas["IncidentStatus"];
export interface IncidentFilters {
  status?: IncidentStatus;
  system_id?: string;
  overdue?: boolean;
}

export function useIncidents(filters: IncidentFilters) {
  return useQuery({
    queryKey: keys.incidents(filters),
    queryFn: async () => unwrap(await api.GET("/v1/incidents", { params: { query: { ...filters, limit: 200 } } })),
    placeholderData: keepPreviousData,
  });
}

/** The systems an incident can be on, by name (retired ones too: incidents outlive systems). */
export function useSystemChoices() {
  return useQuery({
    queryKey: keys.systems({ purpose: "incident-choices" }),
    queryFn: async () => unwrap(await api.GET("/v1/ai-systems", { params: { query: { limit: 200, include_retired: true } } })).items.map((s) => ({ id: s.id, name: s.name })),
  });
}

export function useSystemName(id: string | undefined) {
  return useQuery({
    queryKey: keys.system(id ?? ""),
    queryFn: async () => unwrap(await api.GET("/v1/ai-systems/{system_id}", { params: { path: { system_id: id ?? "" } } })),
    enabled: !!id,
    select: (s) => s.name,
  });
}

export function useIncident(id: string) {
  return useQuery({
    queryKey: keys.incident(id),
    queryFn: async () => {
      const result = await api.GET("/v1/incidents/{incident_id}", { params: { path: { incident_id: id } } });
      const data = unwrap(result);
      return { ...data, etag: result.response.headers.get("ETag") ?? `"r${String(data.revision)}"` };
    },
  });
}

export function useRecordIncident() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: IncidentCreate) =>
      unwrap(await api.POST("/v1/incidents", { body, headers: { "Idempotency-Key": crypto.randomUUID() } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["incidents"] }),
  });
}

/** A change with If-Match; the incident's own cache is replaced by the answer. */
export function useUpdateIncident(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ body, etag }: { body: IncidentUpdate; etag: string }) => {
      const result = await api.PATCH("/v1/incidents/{incident_id}", {
        params: { path: { incident_id: id }, header: { "If-Match": etag } },
        body,
      });
      const data = unwrap(result);
      return { ...data, etag: result.response.headers.get("ETag") ?? `"r${String(data.revision)}"` };
    },
    onSuccess: (data) => {
      queryClient.setQueryData(keys.incident(id), data);
      void queryClient.invalidateQueries({ queryKey: ["incidents"] });
      void queryClient.invalidateQueries({ queryKey: keys.standing(data.system_id) });
    },
    // A 412 means someone changed it meanwhile: reload so the next try starts from theirs.
    onError: () => queryClient.invalidateQueries({ queryKey: keys.incident(id) }),
  });
}

export function useStartTriage(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/incidents/{incident_id}/triage", {
          params: { path: { incident_id: id } },
          body: {},
          headers: { "Idempotency-Key": crypto.randomUUID() },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.incident(id) }),
  });
}

export type FieldErrors = Record<string, string>;

/** A 422's problems keyed by the field their JSON pointer names (`/aware_at`, `/reports/0/sent_at`). */
export function fieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiError)) return {};
  return pointerErrors(error.problem);
}

export function pointerErrors(problem: Partial<Problem>): FieldErrors {
  const out: FieldErrors = {};
  for (const e of problem.errors ?? []) {
    const field = (e.pointer ?? "").replace(/^\/(body\/)?/, "");
    if (field) out[field] ??= e.detail;
  }
  return out;
}

export interface IncidentForm {
  system_id: string;
  title: string;
  description: string;
  occurred_at: string; // a datetime-local value, read as UTC
  aware_at: string;
  affected: string;
  people_involved: string[];
}

/** A datetime-local value (no zone) as an RFC 3339 UTC moment, or null when empty or invalid. */
export function utcMoment(local: string): string | null {
  if (!local) return null;
  const value = /T\d\d:\d\d$/.test(local) ? `${local}:00Z` : `${local}Z`;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString().replace(".000Z", "Z");
}

/** What the server would refuse, found before sending: the same rules, the same fields. */
export function validateIncident(form: IncidentForm, now: Date = new Date()): FieldErrors {
  const errors: FieldErrors = {};
  if (!form.system_id) errors.system_id = "Choose the AI system involved.";
  if (!form.title.trim()) errors.title = "Say briefly what happened.";
  if (!form.description.trim()) errors.description = "Describe what happened.";
  if (!form.affected.trim()) errors.affected = "Say who or what is affected.";
  const occurred = utcMoment(form.occurred_at);
  const aware = utcMoment(form.aware_at);
  if (!occurred) errors.occurred_at = "When did it happen?";
  else if (new Date(occurred) > now) errors.occurred_at = "is in the future";
  if (aware) {
    if (new Date(aware) > now) errors.aware_at = "is in the future";
    else if (occurred && aware < occurred) errors.aware_at = "is before occurred_at";
  }
  return errors;
}

export function toCreate(form: IncidentForm): IncidentCreate {
  return {
    system_id: form.system_id,
    title: form.title.trim(),
    description: form.description.trim(),
    occurred_at: utcMoment(form.occurred_at) ?? "",
    aware_at: utcMoment(form.aware_at),
    affected: form.affected.trim(),
    people_involved: form.people_involved,
  };
}

/** The clocks that matter first: overdue, then due soonest, then those without a date. */
export function orderClocks(clocks: Clock[]): Clock[] {
  const rank = (c: Clock) => (c.overdue ? 0 : c.due_at ? 1 : 2);
  return [...clocks].sort((a, b) => rank(a) - rank(b) || (a.due_at ?? "").localeCompare(b.due_at ?? ""));
}
