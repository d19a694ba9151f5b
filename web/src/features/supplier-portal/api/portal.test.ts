// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from "vitest";
import { evidenceTypeOf, portalToken } from "./portal";

describe("invitation token", () => {
  beforeEach(() => {
    sessionStorage.clear();
    window.history.replaceState(null, "", "/supplier-portal");
  });

  it("moves the token from the fragment into session storage and out of the address bar", () => {
    window.history.replaceState(null, "", "/supplier-portal?lang=de#token=inv_abc-123");
    expect(portalToken.adopt()).toBe("inv_abc-123");
    expect(window.location.hash).toBe("");
    expect(window.location.href).not.toContain("inv_abc");
    expect(window.location.search).toBe("?lang=de");
    expect(sessionStorage.getItem("aas:portal-token")).toBe("inv_abc-123");
  });

  it("keeps the stored token across a reload without a fragment; none when never given", () => {
    expect(portalToken.adopt()).toBeNull();
    window.history.replaceState(null, "", "/supplier-portal#token=inv_x");
    portalToken.adopt();
    window.history.replaceState(null, "", "/supplier-portal");
    expect(portalToken.adopt()).toBe("inv_x");
  });
});

describe("evidence type", () => {
  const file = (name: string, type: string) => new File(["x"], name, { type });
  it("takes an accepted browser type, falls back to the extension, refuses the rest", () => {
    expect(evidenceTypeOf(file("a.pdf", "application/pdf"))).toBe("application/pdf");
    expect(evidenceTypeOf(file("a.docx", ""))).toBe("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    expect(evidenceTypeOf(file("a.csv", "application/octet-stream"))).toBe("text/csv");
    expect(evidenceTypeOf(file("a.exe", "application/x-msdownload"))).toBeNull();
    expect(evidenceTypeOf(file("a.zip", ""))).toBeNull();
  });
});
