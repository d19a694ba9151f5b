import { describe, expect, it } from "vitest";
import { buildModel, countByStatus, type AISystem, type AssessmentSummary, type ControlRecord } from "./portfolio";

const system = (id: string, name: string) => ({ id, name }) as AISystem;
function assessment(id: string, systemId: string, key: string, extra: Partial<AssessmentSummary>): AssessmentSummary {
  return {
    id,
    subject: "system",
    system_id: systemId,
    supplier_id: null,
    questionnaire: { key, version: "1.0.0", content_hash: "x" },
    status: "approved",
    round: 1,
    tier: null,
    is_current: false,
    due_at: null,
    overdue: false,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...extra,
  };
}

describe("portfolio model", () => {
  it("stands each system at its most severe current tier and counts every system once", () => {
    const model = buildModel({
      systems: [system("a", "A"), system("b", "B"), system("c", "C"), system("d", "D")],
      assessments: [
        assessment("1", "a", "eu-ai-act-classification", { tier: "minimal", is_current: true }),
        assessment("2", "a", "ai-use-triage", { tier: "high_risk", is_current: true }),
        // An older approved one that is no longer current does not count.
        assessment("3", "b", "eu-ai-act-classification", { tier: "prohibited", is_current: false }),
        assessment("4", "b", "eu-ai-act-classification", { tier: "transparency", is_current: true, updated_at: "2026-02-01T00:00:00Z" }),
        assessment("5", "c", "eu-ai-act-classification", { status: "draft" }),
        // A triage answered on an incident is neither a column nor the system's tier.
        assessment("6", "a", "ai-incident-triage", { tier: "urgent", incident_id: "i1" }),
      ],
      overdue: [{ system_id: "c", system_name: "C", overdue: [] }],
    });
    const counts = Object.fromEntries(model.counts.map((c) => [c.tier ?? "none", c.systems]));
    expect(counts).toEqual({ prohibited: 0, high_risk: 1, transparency: 1, minimal: 0, out_of_scope: 0, none: 2 });
    expect(model.rows.map((r) => r.system.id)).toEqual(["a", "b", "c", "d"]);
    expect(model.rows[0]?.cells.has("ai-incident-triage")).toBe(false);
    expect(model.neverAssessed.map((s) => s.id)).toEqual(["d"]);
    expect(model.rows.find((r) => r.system.id === "c")?.overdue).toBe(true);
    expect(model.rows.find((r) => r.system.id === "c")?.cells.get("eu-ai-act-classification")?.latest?.status).toBe("draft");
    expect(model.rows.find((r) => r.system.id === "b")?.cells.get("eu-ai-act-classification")?.current?.id).toBe("4");
  });
});

describe("control implementation counts", () => {
  it("lists every status once, zeros included, in order from not started to implemented", () => {
    const record = (control_id: string, status: ControlRecord["status"]) => ({ control_id, status }) as ControlRecord;
    expect(countByStatus([record("a", "planned"), record("b", "implemented"), record("c", "planned")])).toEqual([
      { status: "not_started", records: 0 },
      { status: "planned", records: 2 },
      { status: "partially_implemented", records: 0 },
      { status: "implemented", records: 1 },
    ]);
    expect(countByStatus([]).every((c) => c.records === 0)).toBe(true);
  });
});
