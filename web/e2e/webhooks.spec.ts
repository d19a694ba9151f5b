// An admin subscribes a URL to events, sees the signing secret once, pings it (the delivery shows
// up in the log), disables it, rotates its secret and deletes it.
import { expect, test } from "@playwright/test";

import { checkScreen, signInAs } from "./helpers";

test("webhooks: subscribe (secret once), ping and its delivery, disable, rotate, delete", async ({ page }) => {
  await signInAs(page, "admin");
  await page.goto("/admin?tab=webhooks");
  await page.getByLabel("URL (https)").fill("https://hooks.example.com/aas");
  await page.getByLabel("Description").fill("GRC tool");
  await page.getByRole("checkbox", { name: "incident.reported" }).check();
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByTestId("webhook-secret")).toContainText("whsec_");
  await checkScreen(page, "admin-webhook-created");
  const hook = page.getByTestId("webhook-https://hooks.example.com/aas");
  await expect(hook).toContainText("assessment.approved, incident.reported");

  await hook.getByRole("button", { name: "Send ping" }).click();
  await expect(hook.getByRole("table", { name: "Deliveries" })).toContainText("webhook.ping");
  await checkScreen(page, "admin-webhook-deliveries");

  await hook.getByLabel("Enabled: https://hooks.example.com/aas").click(); // saved, then shown
  await expect(hook.getByLabel("Enabled: https://hooks.example.com/aas")).not.toBeChecked();
  page.once("dialog", (d) => void d.accept());
  await hook.getByRole("button", { name: "Rotate secret" }).click();
  await expect(page.getByTestId("webhook-secret")).toHaveCount(2);

  await page.reload();
  await expect(page.getByTestId("webhook-secret")).toHaveCount(0); // shown once
  page.once("dialog", (d) => void d.accept());
  await page.getByTestId("webhook-https://hooks.example.com/aas").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText("No subscriptions yet.")).toBeVisible();
});
