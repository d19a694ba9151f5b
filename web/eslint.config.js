// ESLint: typescript-eslint strict (type-aware), React hooks, and no imports across features.
import { readdirSync } from "node:fs";
import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const features = readdirSync(new URL("./src/features", import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

// A feature may use src/lib, src/components and itself; what two features share moves to lib.
const featureBoundaries = features.map((name) => ({
  files: [`src/features/${name}/**`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          {
            regex: `^@/features/(?!${name}/)`,
            message: "Features do not import each other: share through src/lib or src/components.",
          },
          { regex: "^\\.\\./\\.\\./(?!\\.)", message: "Import other folders with @/ paths." },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ["dist", "node_modules", "src/lib/api/schema.d.ts", "test-results", "playwright-report"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
    },
  },
  ...featureBoundaries,
  { files: ["eslint.config.js", "scripts/**"], ...tseslint.configs.disableTypeChecked },
  { files: ["eslint.config.js", "scripts/**"], languageOptions: { globals: globals.node } },
);
