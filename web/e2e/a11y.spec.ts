// Screens outside the scenarios: sign-in, reset, invitation links (valid form and bad token).
import { expect, test } from "@playwright/test";
import { checkScreen, signIn, users } from "./helpers";

test("sign-in, password reset and invitation screens pass axe", async ({ page }) => {
  await page.goto("/sign-in");
  await checkScreen(page, "sign-in");
  await page.goto("/sign-in?error=oidc-invalid-state");
  await expect(page.getByRole("alert")).toContainText("Single sign-on did not complete");
  await page.goto("/reset-password");
  await checkScreen(page, "reset-password");
  await page.getByLabel("E-mail").fill("nobody@acme.example");
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText("If an account uses this address")).toBeVisible();
  await page.goto("/reset-password#token=usr_not-a-real-token");
  await checkScreen(page, "reset-password-set");
  await page.goto("/accept-invitation#token=usr_not-a-real-token");
  await expect(page.getByRole("alert")).toContainText("invalid or has expired");
  await checkScreen(page, "accept-invitation-bad-link");
});

test("an unknown address of the app lands on the inventory once signed in", async ({ page }) => {
  await signIn(page, "manager");
  await page.goto("/no-such-screen");
  await expect(page.getByRole("heading", { name: "AI systems" })).toBeVisible();
  await checkScreen(page, "inventory-empty");
});

test("a one-time link sets a password and signs the person in", async ({ page }) => {
  const link = new URL(users().reset_link);
  await page.goto(`${link.pathname}${link.hash}`);
  await checkScreen(page, "reset-password-form");
  await page.getByRole("textbox", { name: "New password" }).fill("a long enough new password");
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toHaveText("Nia Newcomer");
  expect(page.url()).not.toContain("token="); // the token left the address bar
  // A viewer reads the inventory but cannot register systems.
  await expect(page.getByRole("heading", { name: "AI systems" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Register a system" })).toHaveCount(0);
});
