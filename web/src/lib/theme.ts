/** The Mantine theme: a primary shade with WCAG AA contrast against white (Mantine's default blue has 3.55:1). */
import { Alert, createTheme, type CSSVariablesResolver } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "blue",
  // blue[8] (#1971c2): 5.0:1 with white text, and as text on white.
  primaryShade: { light: 8, dark: 4 },
  defaultRadius: "sm",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  // Outlined alerts keep their text on white: the light variants' tinted backgrounds fail AA.
  components: { Alert: Alert.extend({ defaultProps: { variant: "outline" } }) },
});

// "Dimmed" text is gray[6] by default (3.3:1 on white): gray[7] passes AA.
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  // The error red is red[6] by default (3.3:1): red[9] passes AA for a field's text and message.
  light: { "--mantine-color-dimmed": "var(--mantine-color-gray-7)", "--mantine-color-error": "var(--mantine-color-red-9)" },
  dark: {},
});

/** Status colours dark enough for white text and for text on white (all ≥ 4.5:1). */
export const tone = {
  ok: "#216e33",
  warn: "#8a4b00",
  offline: "#a63a0b",
  bad: "#c92a2a",
  severe: "#a61e1e",
  neutral: "gray.7",
  info: "blue.8",
} as const;
