// Lint for src, test and bench (issue 23): eslint's and typescript-eslint's
// recommended rules. `npm run lint` runs it with the layer rules
// (.dependency-cruiser.cjs); `npm test` runs lint first.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["build/**", "dist/**", "node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Our error messages carry the cause's text; the compiled lib (ES2020) has no Error `cause` option.
      "preserve-caught-error": "off",
      // Text sanitisers (bAbI parsing, markup escaping) match control characters on purpose.
      "no-control-regex": "off",
      // A leading underscore marks a parameter or binding kept for its position or to drop a field.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    // W. J. Cody's erf coefficients are copied with every published digit, more than a double holds.
    files: ["src/stats/tests.ts"],
    rules: { "no-loss-of-precision": "off" },
  },
  {
    // Bundled for a browser page (the JupyterLab output test).
    files: ["test/support/**/*.mjs"],
    languageOptions: { globals: { document: "readonly", window: "readonly" } },
  },
);
