import { defineConfig } from "@playwright/test";

// Debian's Chromium, never a downloaded browser (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
const port = Number(process.env.E2E_PORT ?? 8765);
const python = process.env.E2E_PYTHON ?? "../.venv/bin/python";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/output",
  fullyParallel: false,
  workers: 1,
  timeout: 240_000, // scenario 1 walks two people through two rounds on a shared 2-core machine
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${String(port)}`,
    browserName: "chromium",
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
    trace: "off",
  },
  webServer: {
    command: `${python} e2e/serve.py`,
    url: `http://127.0.0.1:${String(port)}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: { E2E_PORT: String(port) },
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    stdout: "ignore",
    stderr: "pipe",
  },
});
