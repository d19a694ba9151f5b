// @vitest-environment happy-dom
import { MantineProvider } from "@mantine/core";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { QDocument } from "@/lib/conditions/questionnaire";
import { mockMatchMedia } from "@/lib/testing/browser";
import { QuestionnaireFiller } from "./QuestionnaireFiller";
import type { SaveFn } from "./useAutosave";

const doc: QDocument = {
  key: "every-type",
  version: "1.0.0",
  title: "Every item type",
  option_sets: { yes_no_unsure: [{ code: "yes", label: "Yes" }, { code: "no", label: "No" }, { code: "unsure", label: "Not sure" }] },
  sections: [
    {
      id: "all",
      title: "All of them",
      items: [
        { id: "intro", type: "display", text: "Read this first." },
        { id: "uses_ai", type: "boolean", text: "Does it use AI?", required: true, help: "Machine learning counts.", refs: ["EU AI Act Art. 3(1)"] },
        { id: "risk", type: "single_choice", text: "How risky?", option_set: "yes_no_unsure", enable_when: { "==": [{ var: "uses_ai" }, true] } },
        {
          id: "areas",
          type: "multi_choice",
          text: "Which areas?",
          options: [{ code: "hr", label: "HR" }, { code: "credit", label: "Credit" }, { code: "none", label: "None of these", exclusive: true }],
        },
        { id: "users", type: "integer", text: "How many users?", minimum: 0 },
        { id: "share", type: "decimal", text: "Share automated?" },
        { id: "name", type: "string", text: "Model name" },
        { id: "notes", type: "text", text: "Notes" },
        { id: "since", type: "date", text: "In use since" },
      ],
    },
  ],
};

beforeAll(() => {
  // Mantine asks for media queries and font loading; happy-dom has neither.
  Object.defineProperty(document, "fonts", {
    value: { addEventListener: vi.fn(), removeEventListener: vi.fn(), ready: Promise.resolve() },
  });
  mockMatchMedia();
});
afterEach(() => {
  cleanup();
  localStorage.clear();
});

function renderFiller(save: SaveFn = () => Promise.resolve({ kind: "saved", etag: '"r2"' })) {
  return render(
    <MantineProvider>
      <QuestionnaireFiller doc={doc} storageKey="k" initialAnswers={{}} initialEtag='"r1"' save={save} />
    </MantineProvider>,
  );
}

describe("the questionnaire filler", () => {
  it("renders every item type with its help and provisions, and hides what is not enabled", () => {
    renderFiller();
    expect(screen.getByText("Read this first.")).toBeTruthy();
    expect(screen.getByRole("radiogroup", { name: /Does it use AI\?/ })).toBeTruthy();
    expect(screen.getByText("Machine learning counts.")).toBeTruthy();
    expect(screen.getByText("EU AI Act Art. 3(1)")).toBeTruthy();
    expect(screen.getByLabelText("Credit")).toBeTruthy();
    expect(screen.getByRole("textbox", { name: "How many users?" })).toBeTruthy();
    expect(screen.getByRole("textbox", { name: "Share automated?" })).toBeTruthy();
    expect(screen.getByRole("textbox", { name: "Model name" })).toBeTruthy();
    expect(screen.getByRole("textbox", { name: "Notes" })).toBeTruthy();
    expect(screen.getByLabelText("In use since")).toBeTruthy();
    expect(screen.queryByText("How risky?")).toBeNull(); // waits for uses_ai
    expect(screen.getByText("0 of 7 answered")).toBeTruthy();
  });

  it("shows a question as soon as the answer it depends on makes it visible", () => {
    renderFiller();
    fireEvent.click(screen.getByLabelText("Yes"));
    expect(screen.getByText("How risky?")).toBeTruthy();
    expect(screen.getByLabelText("Not sure")).toBeTruthy(); // from the shared option set
    expect(screen.getByText("1 of 8 answered")).toBeTruthy();
  });

  it("an exclusive option stands alone", () => {
    renderFiller();
    fireEvent.click(screen.getByLabelText("HR"));
    fireEvent.click(screen.getByLabelText("Credit"));
    fireEvent.click(screen.getByLabelText("None of these"));
    expect(screen.getByLabelText<HTMLInputElement>("HR").checked).toBe(false);
    expect(screen.getByLabelText<HTMLInputElement>("None of these").checked).toBe(true);
    fireEvent.click(screen.getByLabelText("HR"));
    expect(screen.getByLabelText<HTMLInputElement>("None of these").checked).toBe(false);
  });
});
