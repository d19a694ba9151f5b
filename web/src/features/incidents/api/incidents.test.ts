import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api/client";
import { fieldErrors, orderClocks, toCreate, utcMoment, validateIncident, type Clock, type IncidentForm } from "./incidents";

const NOW = new Date("2026-10-20T12:00:00Z");
const form = (extra: Partial<IncidentForm> = {}): IncidentForm => ({
  system_id: "s1",
  title: "Triage model sent a patient home",
  description: "Scored a stroke as low urgency.",
  occurred_at: "2026-10-14T08:00",
  aware_at: "2026-10-14T10:30",
  affected: "One patient",
  people_involved: [],
  ...extra,
});

describe("recording an incident", () => {
  it("reads the form's local date-times as UTC moments", () => {
    expect(utcMoment("2026-10-14T08:00")).toBe("2026-10-14T08:00:00Z");
    expect(utcMoment("2026-10-14T08:00:30")).toBe("2026-10-14T08:00:30Z");
    expect(utcMoment("")).toBeNull();
    expect(utcMoment("yesterday")).toBeNull();
    expect(toCreate(form({ aware_at: "" })).aware_at).toBeNull();
  });

  it("accepts a complete form and an unknown awareness", () => {
    expect(validateIncident(form(), NOW)).toEqual({});
    expect(validateIncident(form({ aware_at: "" }), NOW)).toEqual({});
  });

  it("refuses what the server refuses, on the same fields", () => {
    expect(validateIncident(form({ aware_at: "2026-10-13T10:00" }), NOW)).toEqual({ aware_at: "is before occurred_at" });
    expect(validateIncident(form({ occurred_at: "2026-10-21T10:00", aware_at: "" }), NOW)).toEqual({ occurred_at: "is in the future" });
    expect(validateIncident(form({ aware_at: "2026-10-21T10:00" }), NOW)).toEqual({ aware_at: "is in the future" });
    const empty = validateIncident(form({ system_id: "", title: " ", description: "", affected: "", occurred_at: "" }), NOW);
    expect(Object.keys(empty).sort()).toEqual(["affected", "description", "occurred_at", "system_id", "title"]);
  });

  it("puts the server's problems on the fields their pointers name", () => {
    const error = (pointer: string, detail: string) => ({ pointer, detail, parameter: null, code: null });
    const problem = {
      errors: [
        error("/aware_at", "is before occurred_at"),
        error("/body/title", "too long"),
        error("/reports/0/sent_at", "is in the future"),
        error("/aware_at", "second problem, first kept"),
      ],
    };
    expect(fieldErrors(new ApiError(422, problem))).toEqual({
      aware_at: "is before occurred_at",
      title: "too long",
      "reports/0/sent_at": "is in the future",
    });
    expect(fieldErrors(new Error("network"))).toEqual({});
  });
});

describe("deadlines", () => {
  const clock = (id: string, extra: Partial<Clock>): Clock => ({
    id,
    regime: "EU AI Act",
    reporter: "provider",
    recipient: "market surveillance authority",
    status: "due",
    due_at: null,
    period: null,
    met_by_report: false,
    overdue: false,
    explanation: "",
    refs: [],
    ...extra,
  });

  it("shows the overdue first, then the soonest, then those without a date", () => {
    const ordered = orderClocks([
      clock("later", { due_at: "2026-10-29T23:59:59Z" }),
      clock("none", { status: "without_fixed_period" }),
      clock("sooner", { due_at: "2026-10-17T16:00:00Z" }),
      clock("late", { due_at: "2026-10-30T00:00:00Z", overdue: true }),
    ]);
    expect(ordered.map((c) => c.id)).toEqual(["late", "sooner", "later", "none"]);
  });
});
