import { readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

export const shots = "test-results/screens";

interface People {
  people: Record<"manager" | "reviewer", { email: string; password: string; name: string }>;
  read_key: string;
  reset_link: string;
}

/** The people e2e/serve.py created for this run. */
export function users(): People {
  return JSON.parse(readFileSync("test-results/e2e-users.json", "utf8")) as People;
}

/** Signs in with the person's e-mail and password. */
export async function signIn(page: Page, who: "manager" | "reviewer") {
  const person = users().people[who];
  await page.goto("/sign-in");
  await page.getByLabel("E-mail").fill(person.email);
  await page.getByRole("textbox", { name: "Password" }).fill(person.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("signed-in-as")).toHaveText(person.name);
}

/** No serious or critical axe violation on the screen; a screenshot of it for the record. */
export async function checkScreen(page: Page, name: string) {
  await page.waitForLoadState("networkidle");
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  expect(
    bad.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) })),
    `axe on ${name}`,
  ).toEqual([]);
}

/** Answers a question of the filler by its option labels (Yes/No for a boolean). */
export async function answer(page: Page, item: string, ...labels: string[]) {
  const question = page.locator(`[data-item="${item}"]`);
  for (const label of labels) await question.getByLabel(label, { exact: true }).check();
}

export async function waitSaved(page: Page) {
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-status", "saved");
}

/** The worked example of the README: a vendor's CV-screening tool deployed by a private company. */
export async function answerCvScreening(page: Page) {
  await answer(page, "is_ai_system", "Yes");
  await answer(page, "provides_gpai_model", "No");
  await answer(page, "eu_nexus", "Yes");
  await answer(page, "scope_exclusions", "None of these exclusions applies");
  await answer(page, "open_source", "No");
  await answer(page, "established_outside_eu", "No");
  await answer(page, "roles", "Deployer - we use it under our authority in a professional activity");
  await answer(page, "role_switch", "None of these");
  await answer(page, "art5_practices", "None of these");
  await answer(page, "annex1_product", "No");
  await answer(page, "annex3_areas", "Employment, workers management, access to self-employment");
  await answer(page, "annex3_employment", "Recruitment or selection: targeted job ads, analysing and filtering applications, evaluating candidates");
  await answer(page, "profiles_natural_persons", "Yes");
  await answer(page, "art50_features", "None of these");
  await answer(page, "deployer_type", "Another private organisation");
  await answer(page, "workplace_use", "Yes");
}

export async function registerSystem(page: Page, name: string) {
  await page.goto("/systems");
  await page.getByRole("button", { name: "Register a system" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Purpose").fill("Ranks job applications for recruiters");
  await dialog.getByLabel("Owner").fill("Head of Talent");
  await dialog.getByLabel("Business unit").fill("HR");
  await dialog.getByLabel("Sourcing").selectOption("bought");
  await dialog.getByRole("button", { name: "Register a system" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
}
