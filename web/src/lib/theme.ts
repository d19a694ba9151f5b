/** The Mantine theme: a primary shade with WCAG AA contrast against white (Mantine's default blue has 3.55:1). */
import { createTheme, type CSSVariablesResolver } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "blue",
  // blue[8] (#1971c2): 5.0:1 with white text, and as text on white.
  primaryShade: { light: 8, dark: 4 },
  defaultRadius: "sm",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
});

// "Dimmed" text is gray[6] by default (3.3:1 on white): gray[7] passes AA.
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { "--mantine-color-dimmed": "var(--mantine-color-gray-7)" },
  dark: {},
});
