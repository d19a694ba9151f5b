// @vitest-environment happy-dom
import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ControlsTable, ObligationsTable, holderText } from "@/components/Obligations";
import type { components } from "@/lib/api/schema";
import { mockMatchMedia } from "@/lib/testing/browser";
import { ScoreBreakdown, scoreLabels } from "./ScoreBreakdown";

type Score = components["schemas"]["ScoreOut"];

const term = (id: string, section: string, points: number, applies: "true" | "false" | "unknown") => ({
  id,
  section,
  label: { en: `Label ${id}` },
  points,
  applies,
  contribution: applies === "true" ? points : 0,
});

// A stakeholder-impact 2.0.0 shape: raw 24 of 64 (high harm), mitigation 8 of 9 (strong), final 20.4.
const scores: Score[] = [
  {
    id: "impact_raw",
    value: 24,
    min: 24,
    max: 24,
    final: true,
    band: "moderate",
    breakdown: {
      scale: { min: 0, max: 64 },
      terms: [term("harm_at_least_1", "harm", 3, "true"), term("reach_1000", "reach", 21, "true"), term("environment", "environment", 1, "false")],
      sections: [
        { id: "harm", min: 3, max: 3 },
        { id: "reach", min: 21, max: 21 },
        { id: "environment", min: 0, max: 0 },
      ],
    },
  },
  {
    id: "mitigation",
    value: 8,
    min: 8,
    max: 8,
    final: true,
    band: "strong",
    breakdown: { scale: { min: 0, max: 9 }, terms: [term("plan_complete", "mitigation", 2, "true")], sections: [{ id: "mitigation", min: 2, max: 2 }] },
  },
  {
    id: "impact_final",
    value: 20.4,
    min: 20.4,
    max: 20.4,
    final: true,
    band: "moderate",
    breakdown: {
      scale: { min: 0, max: 64 },
      terms: [term("harm_at_least_1", "harm", 3, "true"), term("harm_at_least_1_mitigated", "mitigation_reduction", -0.45, "true"), term("vulnerable", "vulnerable_groups", 3, "unknown")],
      sections: [
        { id: "harm", min: 3, max: 3 },
        { id: "mitigation_reduction", min: -0.45, max: -0.45 },
        { id: "vulnerable_groups", min: 0, max: 3 },
      ],
    },
  },
];

beforeAll(mockMatchMedia);
afterEach(cleanup);

describe("the score breakdown", () => {
  it("shows raw, mitigation and final scores against their scales, with every counted term and section", () => {
    const labels = scoreLabels({
      scoring: {
        scores: [
          { id: "impact_raw", label: "Raw impact score", bands: [{ id: "moderate", label: "Moderate" }] },
          { id: "mitigation", label: { en: "Mitigation score" } },
          { id: "impact_final", label: "Final impact score" },
        ],
      },
    });
    render(
      <MantineProvider>
        <ScoreBreakdown scores={scores} labels={labels} />
      </MantineProvider>,
    );
    const summary = screen.getByRole("table", { name: "Scores" });
    expect(within(summary).getByText("Raw impact score")).toBeTruthy();
    expect(within(summary).getAllByText("0–64")).toHaveLength(2);
    expect(screen.getByTestId("score-impact_final").textContent).toContain("20.4");
    const raw = screen.getByTestId("breakdown-impact_raw");
    expect(within(raw).getByTestId("term-impact_raw-reach_1000").textContent).toContain("+21");
    // a term that did not apply is counted, not listed
    expect(within(raw).queryByText("Label environment")).toBeNull();
    expect(within(raw).getByText("1 more term did not apply (contribution 0).")).toBeTruthy();
    const final = screen.getByTestId("breakdown-impact_final");
    expect(within(final).getByTestId("term-impact_final-harm_at_least_1_mitigated").textContent).toContain("-0.45");
    expect(within(final).getByTestId("term-impact_final-vulnerable").textContent).toContain("not yet known");
    const sections = within(final).getByRole("table", { name: "Section totals: Final impact score" });
    expect(within(sections).getByText("Mitigation reduction")).toBeTruthy();
    expect(within(sections).getByText("0–3")).toBeTruthy();
  });

  it("renders nothing for a result without scores", () => {
    const { container } = render(
      <MantineProvider>
        <ScoreBreakdown scores={[]} labels={scoreLabels(undefined)} />
      </MantineProvider>,
    );
    expect(container.querySelector("[data-testid=score-breakdown]")).toBeNull();
  });
});

describe("holders and levels", () => {
  it("says whose duty an obligation is and how binding a control is", () => {
    expect(holderText({ party: "supplier", roles: ["provider"] })).toBe("The supplier as provider");
    expect(holderText({ party: "organisation", roles: [] })).toBe("Your organisation");
    expect(holderText(null)).toBeNull();
    render(
      <MantineProvider>
        <ObligationsTable
          obligations={[
            {
              id: "eu-ai-act:provider.conformity-assessment",
              ref: "EU AI Act Art. 43",
              title: { en: "Conformity assessment" },
              holder: { party: "supplier", roles: ["provider"] },
              level: "must",
              required_by: ["r"],
              applies_from: { original: "2026-08-02", omnibus: "2027-12-02" },
            },
          ]}
        />
        <ControlsTable
          controls={[
            { id: "nist-ai-rmf:GOVERN-6.1", ref: "NIST AI RMF GOVERN 6.1", holder: { party: "organisation", roles: [] }, level: "could", required_by: ["r"] },
            { id: "iso-42001:A.10.3", ref: "ISO/IEC 42001 A.10.3", required_by: ["old"] },
          ]}
        />
      </MantineProvider>,
    );
    const row = screen.getByTestId("obligation-eu-ai-act:provider.conformity-assessment");
    expect(within(row).getByText("The supplier as provider")).toBeTruthy();
    expect(within(row).getByText("Must: legal requirement")).toBeTruthy();
    const controls = screen.getByRole("table", { name: "Required controls" });
    expect(within(controls).getByText("Could: optional")).toBeTruthy();
    // a result stored before holders were reported shows a dash, not a guess
    expect(within(controls).getByText("—")).toBeTruthy();
  });
});
