/**
 * The portfolio, built from the API as it is: every AI system, every assessment of a system, and
 * the overdue list. All pages are read (cursor by cursor), so counts are never of a first page.
 */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type AISystem = Schemas["AISystemPublic"];
export type AssessmentSummary = Schemas["AssessmentSummary"];
export type OverdueSystem = Schemas["OverdueSystem"];
export type WorkItem = Schemas["WorkItem"];
export type ControlRecord = Schemas["ControlRecordPublic"];
export type ImplementationStatus = Schemas["ImplementationStatus"];

const MAX_PAGES = 50;

async function allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor?: string | null }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const p = await page(cursor);
    out.push(...p.items);
    if (!p.next_cursor) break;
    cursor = p.next_cursor;
  }
  return out;
}

export interface Portfolio {
  systems: AISystem[];
  assessments: AssessmentSummary[];
  overdue: OverdueSystem[];
}

export function usePortfolio() {
  return useQuery({
    queryKey: ["portfolio"],
    queryFn: async (): Promise<Portfolio> => {
      const [systems, assessments, overdue] = await Promise.all([
        allPages(async (cursor) => unwrap(await api.GET("/v1/ai-systems", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }))),
        allPages(async (cursor) => unwrap(await api.GET("/v1/assessments", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }))),
        allPages(async (cursor) => unwrap(await api.GET("/v1/overdue-systems", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }))),
      ]);
      return { systems, assessments: assessments.filter((a) => a.system_id), overdue };
    },
  });
}

/** The work queue: every required assessment per system, all pages, earliest due first (the API's order). */
export function useWorkQueue() {
  return useQuery({
    queryKey: ["portfolio", "work-queue"],
    queryFn: () => allPages(async (cursor) => unwrap(await api.GET("/v1/work-queue", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }))),
  });
}

/** Every control implementation record of the organisation, all pages. */
export function useControlRecords() {
  return useQuery({
    queryKey: ["portfolio", "control-records"],
    queryFn: () => allPages(async (cursor) => unwrap(await api.GET("/v1/control-records", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }))),
  });
}

/** Implementation statuses, least to most done. */
export const IMPLEMENTATION_ORDER: ImplementationStatus[] = ["not_started", "planned", "partially_implemented", "implemented"];

/** How many control records stand at each implementation status (every status listed, zeros too). */
export function countByStatus(records: ControlRecord[]): { status: ImplementationStatus; records: number }[] {
  return IMPLEMENTATION_ORDER.map((status) => ({ status, records: records.filter((r) => r.status === status).length }));
}

/** The EU AI Act tiers, least to most severe: a system stands at its most severe current tier. */
export const TIER_ORDER = ["out_of_scope", "minimal", "transparency", "high_risk", "prohibited"];

export interface Cell {
  /** The current approved assessment (its tier decides the colour), if any. */
  current: AssessmentSummary | null;
  /** The newest assessment of any status (a draft in work, one waiting for review). */
  latest: AssessmentSummary | null;
}

export interface Model {
  questionnaires: string[];
  rows: { system: AISystem; tier: string | null; cells: Map<string, Cell>; overdue: boolean }[];
  counts: { tier: string | null; systems: number }[];
  neverAssessed: AISystem[];
}

/** The heat map, counts by tier and never-assessed list from what the API returned. */
export function buildModel({ systems, assessments: all, overdue }: Portfolio): Model {
  // An incident's triage is answered on the incident, not an assessment of the system's own.
  const assessments = all.filter((a) => !a.incident_id);
  const overdueIds = new Set(overdue.map((o) => o.system_id));
  const keys = [...new Set(assessments.map((a) => a.questionnaire.key))].sort();
  const bySystem = new Map<string, AssessmentSummary[]>();
  for (const a of assessments) if (a.system_id) bySystem.set(a.system_id, [...(bySystem.get(a.system_id) ?? []), a]);
  const rows = systems.map((system) => {
    const own = bySystem.get(system.id) ?? [];
    const cells = new Map<string, Cell>();
    for (const key of keys) {
      const of = own.filter((a) => a.questionnaire.key === key).sort((a, b) => b.updated_at.localeCompare(a.updated_at));
      cells.set(key, { current: of.find((a) => a.is_current) ?? null, latest: of[0] ?? null });
    }
    const tiers = own.filter((a) => a.is_current && a.tier).map((a) => a.tier as string);
    const tier = tiers.sort((a, b) => TIER_ORDER.indexOf(b) - TIER_ORDER.indexOf(a))[0] ?? null;
    return { system, tier, cells, overdue: overdueIds.has(system.id) || own.some((a) => a.overdue) };
  });
  rows.sort((a, b) => TIER_ORDER.indexOf(b.tier ?? "") - TIER_ORDER.indexOf(a.tier ?? "") || a.system.name.localeCompare(b.system.name));
  const counts: Model["counts"] = [...TIER_ORDER].reverse().map((tier) => ({ tier, systems: rows.filter((r) => r.tier === tier).length }));
  const other = rows.filter((r) => r.tier && !TIER_ORDER.includes(r.tier)).length;
  if (other) counts.push({ tier: "other", systems: other });
  counts.push({ tier: null, systems: rows.filter((r) => !r.tier).length });
  const neverAssessed = rows.filter((r) => (bySystem.get(r.system.id) ?? []).length === 0).map((r) => r.system);
  return { questionnaires: keys, rows, counts, neverAssessed };
}
