// Two tabs edit the same draft: the stale one gets the conflict dialog, and no answer is lost.
import { expect, test, type Page } from "@playwright/test";
import { answer, checkScreen, registerSystem, signIn, users, waitSaved } from "./helpers";

async function serverAnswers(page: Page, id: string): Promise<Record<string, unknown>> {
  const key = users().read_key;
  return page.evaluate(
    async ([assessment, k]) => {
      const r = await fetch(`/v1/assessments/${assessment}`, { headers: { Authorization: `Bearer ${k}` } });
      return ((await r.json()) as { answers: Record<string, unknown> }).answers;
    },
    [id, key] as const,
  );
}

test("the second save of a stale tab gets the conflict dialog; keeping mine loses nothing", async ({ browser }) => {
  const context = await browser.newContext();
  const tabA = await context.newPage();
  await signIn(tabA, "manager");
  await registerSystem(tabA, "Chat assistant");
  await tabA.getByRole("button", { name: "Start an assessment" }).click();
  await expect(tabA.getByTestId("save-status")).toBeVisible();
  const fillUrl = tabA.url();
  const id = /assessments\/([^/]+)\/fill/.exec(fillUrl)?.[1] ?? "";

  const tabB = await context.newPage();
  await tabB.goto(fillUrl);
  await expect(tabB.getByTestId("save-status")).toHaveAttribute("data-status", "saved");

  await answer(tabA, "is_ai_system", "Yes");
  await waitSaved(tabA);
  await answer(tabA, "eu_nexus", "Yes");
  await waitSaved(tabA);

  // Tab B still holds the first revision: its save is refused with 412 and it asks.
  await answer(tabB, "provides_gpai_model", "No");
  await answer(tabB, "is_ai_system", "No");
  const dialog = tabB.getByRole("dialog", { name: "Someone else changed this assessment" });
  await expect(dialog).toBeVisible();
  const row = dialog.getByRole("row", { name: /Does the software infer/ });
  await expect(row.getByRole("cell").nth(1)).toHaveText("No");
  await expect(row.getByRole("cell").nth(2)).toHaveText("Yes");
  await checkScreen(tabB, "filler-conflict");
  await dialog.getByRole("button", { name: "Keep mine" }).click();
  await waitSaved(tabB);

  // Tab A's answer to another question and tab B's own answers are all on the server.
  expect(await serverAnswers(tabB, id)).toMatchObject({ is_ai_system: false, provides_gpai_model: false, eu_nexus: true });

  // Tab A, now stale, takes theirs: it shows what tab B saved.
  await answer(tabA, "provides_gpai_model", "Yes");
  await expect(tabA.getByRole("dialog")).toBeVisible();
  await tabA.getByRole("button", { name: "Take theirs" }).click();
  await waitSaved(tabA);
  await expect(tabA.locator('[data-item="is_ai_system"]').getByLabel("No", { exact: true })).toBeChecked();
  await expect(tabA.locator('[data-item="provides_gpai_model"]').getByLabel("No", { exact: true })).toBeChecked();

  // An answer made offline survives a reload, and the page says so.
  // (The connection drops for saves only, so that the page itself can still be reloaded.)
  const drop = "**/v1/assessments/*/answers";
  await tabB.route(drop, (route) => route.abort("internetdisconnected"));
  await answer(tabB, "is_ai_system", "Yes");
  await expect(tabB.getByTestId("save-status")).toHaveAttribute("data-status", "offline");
  await tabB.reload();
  await expect(tabB.getByTestId("restored")).toBeVisible();
  await expect(tabB.locator('[data-item="is_ai_system"]').getByLabel("Yes", { exact: true })).toBeChecked();
  await checkScreen(tabB, "filler-restored");
  await tabB.unroute(drop);
  await waitSaved(tabB);
  expect(await serverAnswers(tabB, id)).toMatchObject({ is_ai_system: true, provides_gpai_model: false, eu_nexus: true });
});
